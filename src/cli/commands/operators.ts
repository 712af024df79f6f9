import { type Command, Option } from 'commander';
import type { OperatorView } from '../../operators/index.js';
import { renderTable } from '../table.js';
import { action, clientFor, leafCommand, printJson, withUsageExitCode } from './admin-client.js';

const ROLES = ['admin', 'approver', 'viewer'];

function registerCreate(operators: Command): void {
  leafCommand(
    operators,
    'create <name>',
    'Create a named operator; prints its admin API token once',
    'bollard operators create alice --role approver',
  )
    .addOption(
      new Option('--role <role>', 'viewer reads; approver also decides approvals; admin does everything')
        .choices(ROLES)
        .makeOptionMandatory(),
    )
    .action(
      action(async (name: string, options: { role: string; json?: boolean }, command: Command) => {
        const result = await clientFor(command).request<{ operator: OperatorView; token: string }>(
          'POST',
          '/operators',
          { name, role: options.role },
        );
        if (options.json) return printJson(result);
        console.log(
          `Created operator ${result.operator.name} (${result.operator.role}) ${result.operator.id}`,
        );
        console.log(
          `\nToken (shown once; the operator sets BOLLARD_ADMIN_TOKEN to it):\n\n  ${result.token}\n`,
        );
      }),
    );
}

function registerList(operators: Command): void {
  leafCommand(operators, 'list', 'List operators', 'bollard operators list').action(
    action(async (options: { json?: boolean }, command: Command) => {
      const { data } = await clientFor(command).request<{ data: OperatorView[] }>('GET', '/operators');
      if (options.json) return printJson(data);
      const rows = data.map((o) => [
        o.name,
        o.role,
        o.active ? 'active' : `revoked ${o.revokedAt}`,
        o.hint,
        o.createdBy,
        o.id,
      ]);
      console.log(
        rows.length > 0
          ? renderTable(['NAME', 'ROLE', 'STATE', 'TOKEN', 'CREATED BY', 'ID'], rows)
          : 'No named operators yet (the bootstrap admin token is the only one). Add one with: bollard operators create alice --role approver',
      );
    }),
  );
}

function registerRevoke(operators: Command): void {
  leafCommand(
    operators,
    'revoke <name>',
    "Revoke an operator's token; its next request is refused",
    'bollard operators revoke alice',
  ).action(
    action(async (name: string, options: { json?: boolean }, command: Command) => {
      const operator = await clientFor(command).request<OperatorView>(
        'POST',
        `/operators/${encodeURIComponent(name)}/revoke`,
      );
      if (options.json) return printJson(operator);
      console.log(`Revoked operator ${operator.name} at ${operator.revokedAt}`);
    }),
  );
}

function registerWhoami(operators: Command): void {
  leafCommand(
    operators,
    'whoami',
    'Which operator the token in use belongs to, and its role',
    'bollard operators whoami',
  ).action(
    action(async (options: { json?: boolean }, command: Command) => {
      const me = await clientFor(command).request<{ name: string; role: string }>('GET', '/me');
      if (options.json) return printJson(me);
      console.log(`${me.name} (${me.role})`);
    }),
  );
}

/** `bollard operators create|list|revoke|whoami`. */
export function registerOperatorsCommand(program: Command): void {
  const operators = withUsageExitCode(program.command('operators'))
    .description('Named operators of the admin API, each with a role and a token of their own')
    .addHelpText(
      'after',
      `
Roles: viewer reads everything; approver also approves or denies calls waiting for approval;
admin does everything (the bootstrap BOLLARD_ADMIN_TOKEN is an admin named "admin").
Every change and every approval decision is recorded under the operator's name.

Examples:
  bollard operators create alice --role approver
  bollard operators list
  BOLLARD_ADMIN_TOKEN=bolop_… bollard operators whoami
  bollard operators revoke alice
`,
    );
  registerCreate(operators);
  registerList(operators);
  registerRevoke(operators);
  registerWhoami(operators);
}
