import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { withUsageExitCode } from './commands/admin-client.js';
import { registerAgentsCommand } from './commands/agents.js';
import { registerApprovalsCommand } from './commands/approvals.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerCatalogCommand } from './commands/catalog.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerFreezeCommands } from './commands/freeze.js';
import { registerLogsCommand } from './commands/logs.js';
import { registerMcpCommand } from './commands/mcp.js';
import { registerOperatorsCommand } from './commands/operators.js';
import { registerPolicyCommand } from './commands/policy.js';
import { registerStartCommand } from './commands/start.js';
import { registerWebhooksCommand } from './commands/webhooks.js';

/** Builds the `bollard` command tree without running it, so tests can drive it in process. */
export function buildProgram(): Command {
  const program = withUsageExitCode(new Command('bollard'))
    .description('A least-privilege gateway between AI agents and the WorkOS API.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false });
  registerStartCommand(program);
  registerAgentsCommand(program);
  registerLogsCommand(program);
  registerAuditCommand(program);
  registerCatalogCommand(program);
  registerPolicyCommand(program);
  registerWebhooksCommand(program);
  registerOperatorsCommand(program);
  registerFreezeCommands(program);
  registerApprovalsCommand(program);
  registerMcpCommand(program);
  registerEmulatorCommand(program);
  registerCompletionCommand(program);
  return program;
}

/** The version in package.json (two levels up from both src/cli and dist/cli). */
function packageVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
