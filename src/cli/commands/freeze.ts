import type { Command } from 'commander';
import type { FreezeRecord } from '../../store/types.js';
import { renderTable } from '../table.js';
import {
  action,
  CliError,
  clientFor,
  EXIT_USAGE,
  printJson,
  withConnectionOptions,
  withUsageExitCode,
} from './admin-client.js';

interface TargetOptions {
  agent?: string;
  all?: boolean;
  json?: boolean;
}

/** Exactly one of --agent NAME and --all, else a usage error that shows both. */
function targetOf(options: TargetOptions, verb: string): { agent: string } | { all: true } {
  if (options.agent !== undefined && options.all) {
    throw new CliError(`${verb} --agent NAME or --all, not both`, [], EXIT_USAGE);
  }
  if (options.agent !== undefined) return { agent: options.agent };
  if (options.all) return { all: true };
  throw new CliError(
    `say what to ${verb}: --agent NAME or --all`,
    [`bollard ${verb} --agent support-bot${verb === 'freeze' ? ' --reason "incident 42"' : ''}`],
    EXIT_USAGE,
  );
}

function describeFreeze(freeze: FreezeRecord): string {
  const who = freeze.scope === 'all' ? 'every agent' : `agent ${freeze.agentName ?? freeze.scope}`;
  const writes = freeze.writesOnly ? ' (writes only)' : '';
  const why = freeze.reason ? `: ${freeze.reason}` : '';
  return `${who}${writes}, by ${freeze.createdBy} at ${freeze.createdAt}${why}`;
}

async function listFreezes(command: Command, json?: boolean): Promise<void> {
  const { data } = await clientFor(command).request<{ data: FreezeRecord[] }>('GET', '/freezes');
  if (json) return printJson(data);
  if (data.length === 0) return console.log('Nothing is frozen.');
  console.log(
    renderTable(
      ['FROZEN', 'WRITES ONLY', 'BY', 'SINCE', 'REASON'],
      data.map((f) => [
        f.scope === 'all' ? 'all agents' : (f.agentName ?? f.scope),
        f.writesOnly ? 'yes' : 'no',
        f.createdBy,
        f.createdAt,
        f.reason,
      ]),
    ),
  );
}

/** `bollard freeze --agent NAME | --all [--writes-only] [--reason …] | --list` and `bollard unfreeze`. */
export function registerFreezeCommands(program: Command): void {
  withConnectionOptions(withUsageExitCode(program.command('freeze')))
    .description('Kill switch: refuse every call of an agent (or of all agents) at once, on every replica')
    .option('--agent <name>', 'freeze this agent')
    .option('--all', 'freeze every agent')
    .option('--writes-only', 'refuse only calls that change something; reads go on')
    .option('--reason <text>', 'told to the agent in the 403 and kept in the audit log')
    .option('--list', 'show the freezes in force')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Calls are refused with 403 frozen (the reason included); calls waiting inside Bollard (for a rate
limit or an approval) are refused too. Nothing is forwarded until an operator runs bollard unfreeze.

Examples:
  bollard freeze --agent support-bot --reason "leaked token, incident 42"
  bollard freeze --all --writes-only --reason "WorkOS migration window"
  bollard freeze --list
`,
    )
    .action(
      action(
        async (
          options: TargetOptions & { writesOnly?: boolean; reason?: string; list?: boolean },
          command: Command,
        ) => {
          if (options.list) return listFreezes(command, options.json);
          const target = targetOf(options, 'freeze');
          const freeze = await clientFor(command).request<FreezeRecord>('POST', '/freezes', {
            ...target,
            ...(options.writesOnly ? { writesOnly: true } : {}),
            ...(options.reason !== undefined ? { reason: options.reason } : {}),
          });
          if (options.json) return printJson(freeze);
          console.log(`Frozen: ${describeFreeze(freeze)}`);
        },
      ),
    );

  withConnectionOptions(withUsageExitCode(program.command('unfreeze')))
    .description('Lift a freeze: the agent (or every agent) may call again')
    .option('--agent <name>', "lift this agent's own freeze")
    .option('--all', 'lift the freeze on every agent (single-agent freezes stay)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  bollard unfreeze --agent support-bot\n  bollard unfreeze --all\n')
    .action(
      action(async (options: TargetOptions, command: Command) => {
        const target = targetOf(options, 'unfreeze');
        const path = 'all' in target ? '/freezes/all' : `/freezes/agents/${encodeURIComponent(target.agent)}`;
        const lifted = await clientFor(command).request<FreezeRecord>('DELETE', path);
        if (options.json) return printJson(lifted);
        console.log(`Unfrozen: ${describeFreeze(lifted)}`);
      }),
    );
}
