import type { Command } from 'commander';

/** `bollard start` (not built yet). */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('(not built yet)')
    .action(() => {
      console.error('bollard start: not built yet');
      process.exitCode = 1;
    });
}
