import { Command } from 'commander';
import { registerCatalogCommand } from './commands/catalog.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerStartCommand } from './commands/start.js';

/** Builds the `bollard` command tree without running it, so tests can drive it in process. */
export function buildProgram(): Command {
  const program = new Command('bollard')
    .description('A least-privilege gateway between AI agents and the WorkOS API.')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false });
  registerStartCommand(program);
  registerCatalogCommand(program);
  registerEmulatorCommand(program);
  return program;
}
