import type { Command } from 'commander';
import type { AgentPlan, AppliedPolicy, DesiredPolicy, PolicyPlan } from '../../agents/index.js';
import type { PolicyProblem } from '../../policy-file/index.js';
import {
  action,
  CliError,
  clientFor,
  printJson,
  withConnectionOptions,
  withUsageExitCode,
} from './admin-client.js';
import { printToken } from './agents.js';

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

/** The plan as people review it: per agent, permissions gained (+) and lost (-), and risks (!). */
export function renderPlan(plan: PolicyPlan): string {
  const { summary } = plan;
  const lines = [
    `Plan: ${summary.create} to create, ${summary.update} to update, ${summary.delete} to delete, ${summary.unchanged} unchanged.`,
  ];
  for (const agent of plan.agents) {
    if (agent.action === 'unchanged') continue;
    const fields = agent.action === 'update' ? ` (${agent.changed.join(', ')})` : '';
    lines.push('', `${SIGN[agent.action]} ${agent.action} ${agent.name}${fields}`);
    for (const permission of agent.gained) lines.push(`    + ${permission}`);
    for (const permission of agent.lost) lines.push(`    - ${permission}`);
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

Examples:
  bollard policy validate bollard.yaml
  bollard policy plan bollard.yaml
  bollard policy apply bollard.yaml
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
    .option('--json', 'print the plan as JSON')
    .addHelpText('after', '\nExample:\n  bollard policy plan bollard.yaml\n')
    .action(
      action(async (file: string, options: { json?: boolean }, command: Command) => {
        const desired = await validFile(file);
        const plan = await clientFor(command).request<PolicyPlan>('POST', '/policy/plan', desired);
        if (options.json) printJson(plan);
        else console.log(renderPlan(plan));
      }),
    );

  withConnectionOptions(policy.command('apply <file>'))
    .description("Apply the file atomically (all changes or none); prints new agents' tokens once")
    .option('--json', 'print {plan, tokens} as JSON')
    .addHelpText('after', '\nExample:\n  bollard policy apply bollard.yaml\n')
    .action(
      action(async (file: string, options: { json?: boolean }, command: Command) => {
        const desired = await validFile(file);
        const applied = await clientFor(command).request<AppliedPolicy>('POST', '/policy/apply', desired);
        if (options.json) return printJson(applied);
        console.log(renderPlan(applied.plan));
        console.log('\nApplied.');
        for (const created of applied.tokens) printToken(created.token, `Token of ${created.name}`);
      }),
    );
}
