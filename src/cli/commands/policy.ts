import type { Command } from 'commander';
import type { AgentPlan, AppliedPolicy, DesiredPolicy, PolicyPlan } from '../../agents/index.js';
import type { PolicyProblem } from '../../policy-file/index.js';
import {
  action,
  CliError,
  clientFor,
  confirm,
  printJson,
  withConnectionOptions,
  withUsageExitCode,
} from './admin-client.js';
import { type ApiAgent, printToken } from './agents.js';
import { registerReplayCommand } from './insights.js';

const SIGN: Record<AgentPlan['action'], string> = { create: '+', update: '~', delete: '-', unchanged: ' ' };

/** The policy-file module, loaded when a command needs it so `--help` stays fast. */
const policyFiles = () => import('../../policy-file/index.js');

async function problemsError(file: string, problems: PolicyProblem[]): Promise<CliError> {
  const { formatProblems } = await policyFiles();
  const count = problems.length;
  return new CliError(
    `${file} has ${count} problem${count === 1 ? '' : 's'}`,
    formatProblems(file, problems).split('\n'),
  );
}

/** Validates the file on this machine: every problem as FILE:LINE:COLUMN, or the policy. */
async function validFile(file: string): Promise<DesiredPolicy> {
  const result = await (await policyFiles()).loadPolicyFile(file);
  if (result.ok) return result.policy;
  throw await problemsError(file, result.problems);
}

/** A changed field as the policy file spells it (`mcpTools` → `mcp.tools`, `expiresAt` → `expires`). */
const FILE_FIELDS: Readonly<Record<string, string>> = {
  mcpTools: 'mcp.tools',
  expiresAt: 'expires',
  restrictions: 'pins/constraints/redaction',
};

type Restrictions = NonNullable<AgentPlan['before']>['restrictions'];

/** Pins, constraints and redaction, a line each, as a reviewer reads them. */
export function restrictionLines(restrictions: Restrictions): string[] {
  if (!restrictions) return [];
  const lines: string[] = [];
  if (restrictions.organizations) lines.push(`pin: every grant to ${restrictions.organizations.join(', ')}`);
  for (const [area, grant] of Object.entries(restrictions.grants ?? {})) {
    if (grant.organizations) lines.push(`pin: ${area} to ${grant.organizations.join(', ')}`);
    for (const [endpoint, fields] of Object.entries(grant.constraints ?? {})) {
      for (const [field, rule] of Object.entries(fields)) {
        const what = rule.absent
          ? 'must be absent'
          : [
              ...(rule.allow ? [`one of ${rule.allow.join(', ')}`] : []),
              ...(rule.match ? [`matches ${rule.match.join(' or ')}`] : []),
            ].join(' and ');
        lines.push(`constraint: ${endpoint} ${field} ${what}`);
      }
    }
    if (grant.redact?.length) lines.push(`redact: ${area} answers lose ${grant.redact.join(', ')}`);
    if (grant.revealSecrets) lines.push(`reveal: ${area} answers keep their secrets (codes, tokens, links)`);
  }
  return lines;
}
function fileField(field: string): string {
  return FILE_FIELDS[field] ?? field;
}

/** `users:read` and `users:write` together say `users:write` once: write includes read. */
function compactPermissions(permissions: readonly string[]): string[] {
  const set = new Set(permissions);
  return permissions.filter((permission) => {
    const [area, access] = permission.split(':');
    return !(access === 'read' && set.has(`${area}:write`));
  });
}

/** The plan as people review it: per agent, permissions gained (+) and lost (-), and risks (!). */
export function renderPlan(plan: PolicyPlan): string {
  const { summary } = plan;
  const lines = [
    `Plan: ${summary.create} to create, ${summary.update} to update, ${summary.delete} to delete, ${summary.unchanged} unchanged.`,
  ];
  for (const agent of plan.agents) {
    const tokenless = agent.activeTokens === 0 && agent.action !== 'delete';
    const tokenNote =
      '    ! no active token (revoked or expired): it cannot call; `bollard agents rotate` issues one';
    if (agent.action === 'unchanged') {
      if (tokenless) lines.push('', `  unchanged ${agent.name}`, tokenNote);
      continue;
    }
    const fields = agent.action === 'update' ? ` (${agent.changed.map(fileField).join(', ')})` : '';
    lines.push('', `${SIGN[agent.action]} ${agent.action} ${agent.name}${fields}`);
    for (const permission of compactPermissions(agent.gained)) lines.push(`    + ${permission}`);
    for (const permission of compactPermissions(agent.lost)) lines.push(`    - ${permission}`);
    if (tokenless) lines.push(tokenNote);
    if (agent.action === 'create' || agent.changed.includes('restrictions')) {
      const after = restrictionLines(agent.after?.restrictions ?? null);
      for (const line of after) lines.push(`    = ${line}`);
      if (after.length === 0 && agent.before?.restrictions) lines.push('    = restrictions removed');
    }
    for (const warning of agent.warnings)
      lines.push(`    ! warning: ${warning.permission}: ${warning.reasons.join('; ')}`);
  }
  if (summary.warnings > 0)
    lines.push(
      '',
      `${summary.warnings} risky grant${summary.warnings === 1 ? '' : 's'}: review the warnings above.`,
    );
  return lines.join('\n');
}

/** `bollard policy validate|plan|apply FILE`. */
export function registerPolicyCommand(program: Command): void {
  const policy = withUsageExitCode(program.command('policy'))
    .description('Keep agents and grants in a reviewed bollard.yaml: validate, plan, apply')
    .addHelpText(
      'after',
      `
A bollard.yaml lists every agent; apply makes the server match it (agents not listed are deleted):

  # yaml-language-server: $schema=./docs/bollard.schema.json
  version: 1
  agents:
    - name: support-bot
      description: Answers support tickets
      grants: [users:read, organizations:read]
      expires: 2027-01-31
      mcp: { tools: compact }   # full | compact | auto; absent: the server default

Examples:
  bollard policy validate bollard.yaml
  bollard policy plan bollard.yaml
  bollard policy apply bollard.yaml
  bollard policy replay bollard.yaml --since 30d   # what it would deny in recorded traffic
`,
    );

  policy
    .command('validate <file>')
    .description('Check the file (schema, areas, access levels, duplicates, expiry) without a server')
    .option('--json', 'print the problems as JSON')
    .addHelpText(
      'after',
      '\nEvery problem is printed as FILE:LINE:COLUMN message; exits 1 when there is any.\n\nExample:\n  bollard policy validate bollard.yaml\n',
    )
    .action(
      action(async (file: string, options: { json?: boolean }) => {
        const result = await (await policyFiles()).loadPolicyFile(file);
        if (options.json) {
          printJson(result.ok ? { ok: true, agents: result.policy.agents.length } : result);
          if (!result.ok) process.exitCode = 1;
          return;
        }
        if (!result.ok) throw await problemsError(file, result.problems);
        console.log(`${file} is valid: ${result.policy.agents.length} agents.`);
      }),
    );

  withConnectionOptions(policy.command('plan <file>'))
    .description('Show what apply would change on the running server, with risky-grant warnings')
    .option('--exit-code', 'exit 2 when changes are pending, 0 when there are none (for CI)')
    .option('--json', 'print the plan as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  bollard policy plan bollard.yaml\n  bollard policy plan bollard.yaml --exit-code || echo "changes pending"\n',
    )
    .action(
      action(async (file: string, options: { json?: boolean; exitCode?: boolean }, command: Command) => {
        const desired = await validFile(file);
        const plan = await clientFor(command).request<PolicyPlan>('POST', '/policy/plan', desired);
        if (options.json) printJson(plan);
        else console.log(renderPlan(plan));
        const { create, update, delete: deleted } = plan.summary;
        if (options.exitCode && create + update + deleted > 0) process.exitCode = 2;
      }),
    );

  registerReplayCommand(policy, validFile);

  withConnectionOptions(policy.command('export'))
    .description('Write the running agents as a policy file (to start managing them as code)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      '\nTokens are not part of a policy file; applying the export to the same server changes nothing.\n\nExamples:\n  bollard policy export > bollard.yaml\n  bollard policy export -o bollard.yaml && bollard policy plan bollard.yaml\n',
    )
    .action(
      action(async (options: { output?: string }, command: Command) => {
        const { data } = await clientFor(command).request<{ data: ApiAgent[] }>('GET', '/agents');
        const text = (await policyFiles()).policyText(data);
        if (!options.output) return void process.stdout.write(text);
        const { writeFile } = await import('node:fs/promises');
        await writeFile(options.output, text);
        console.error(`Wrote ${data.length} agents to ${options.output}.`);
      }),
    );

  withConnectionOptions(policy.command('apply <file>'))
    .description("Apply the file atomically (all changes or none); prints new agents' tokens once")
    .option('-y, --yes', 'do not ask for confirmation on a terminal')
    .option('--json', 'print {plan, tokens} as JSON')
    .addHelpText('after', '\nExample:\n  bollard policy apply bollard.yaml --yes\n')
    .action(
      action(async (file: string, options: { json?: boolean; yes?: boolean }, command: Command) => {
        const desired = await validFile(file);
        if (!options.yes && process.stdin.isTTY && process.stdout.isTTY) {
          const plan = await clientFor(command).request<PolicyPlan>('POST', '/policy/plan', desired);
          console.log(renderPlan(plan));
          await confirm('\nApply these changes?', false);
        }
        const applied = await clientFor(command).request<AppliedPolicy>('POST', '/policy/apply', desired);
        if (options.json) return printJson(applied);
        console.log(renderPlan(applied.plan));
        console.log('\nApplied.');
        for (const created of applied.tokens) printToken(created.token, `Token of ${created.name}`);
      }),
    );
}
