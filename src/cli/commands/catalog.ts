import type { Command } from 'commander';

/** `bollard catalog` (not built yet). */
export function registerCatalogCommand(program: Command): void {
  program
    .command('catalog')
    .description('(not built yet)')
    .action(() => {
      console.error('bollard catalog: not built yet');
      process.exitCode = 1;
    });
}
