import type { Command } from 'commander';

/** `bollard emulator` (not built yet). */
export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('(not built yet)')
    .action(() => {
      console.error('bollard emulator: not built yet');
      process.exitCode = 1;
    });
}
