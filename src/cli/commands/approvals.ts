import { type Command, Option } from 'commander';
import type { ApprovalView } from '../../approvals/index.js';
import { renderTable } from '../table.js';
import { action, clientFor, leafCommand, printJson, withUsageExitCode } from './admin-client.js';

const STATUSES = ['pending', 'approved', 'denied', 'used', 'expired', 'void', 'all'];

function showApproval(approval: ApprovalView): void {
  const lines = [
    `${approval.id}  ${approval.status.toUpperCase()}  (${approval.approvalsGiven} of ${approval.required} approvals)`,
    `  ${approval.wouldDo}`,
    `  call:     ${approval.method} ${approval.path}`,
    `  agent:    ${approval.agentName} (${approval.agentId})`,
    `  rule:     approve ${approval.selector}`,
    `  request:  ${JSON.stringify(approval.request)}`,
    `  asked:    ${approval.createdAt} (request ${approval.requestId})`,
    `  expires:  ${approval.expiresAt}`,
    ...approval.decisions.map(
      (d) =>
        `  ${d.decision === 'approve' ? 'approved' : 'denied'}: by ${d.operator} at ${d.at}${d.reason ? ` — ${d.reason}` : ''}`,
    ),
  ];
  if (approval.usedAt) lines.push(`  used:     ${approval.usedAt}`);
  console.log(lines.join('\n'));
}

function registerList(approvals: Command): void {
  leafCommand(
    approvals,
    'list',
    'List approval requests (pending ones by default)',
    'bollard approvals list --status all',
  )
    .addOption(new Option('--status <status>', 'which requests').choices(STATUSES).default('pending'))
    .option('--agent <id>', 'only this agent (agt_…)')
    .action(
      action(async (options: { status: string; agent?: string; json?: boolean }, command: Command) => {
        const query = new URLSearchParams();
        if (options.status !== 'all') query.set('status', options.status);
        if (options.agent) query.set('agent', options.agent);
        const { data } = await clientFor(command).request<{ data: ApprovalView[] }>(
          'GET',
          `/approvals?${query}`,
        );
        if (options.json) return printJson(data);
        if (data.length === 0)
          return console.log(`No ${options.status === 'all' ? '' : `${options.status} `}approval requests.`);
        console.log(
          renderTable(
            ['ID', 'STATUS', 'AGENT', 'CALL', 'APPROVALS', 'EXPIRES'],
            data.map((a) => [
              a.id,
              a.status,
              a.agentName,
              `${a.method} ${a.path}`,
              `${a.approvalsGiven}/${a.required}`,
              a.expiresAt,
            ]),
          ),
        );
      }),
    );
}

function registerShow(approvals: Command): void {
  leafCommand(
    approvals,
    'show <id>',
    'Show one request: the exact call, who asked, what it would do',
    'bollard approvals show apr_…',
  ).action(
    action(async (id: string, options: { json?: boolean }, command: Command) => {
      const approval = await clientFor(command).request<ApprovalView>(
        'GET',
        `/approvals/${encodeURIComponent(id)}`,
      );
      if (options.json) return printJson(approval);
      showApproval(approval);
    }),
  );
}

function registerDecision(approvals: Command, verb: 'approve' | 'deny'): void {
  const approve = verb === 'approve';
  leafCommand(
    approvals,
    `${verb} <id>`,
    approve
      ? "Approve a call: the agent's identical call then runs once (needs the approver or admin role)"
      : 'Deny a call: the agent gets 403 approval_denied with your reason (approver or admin role)',
    approve
      ? 'bollard approvals approve apr_… --reason "ticket 1234"'
      : 'bollard approvals deny apr_… --reason "not during the freeze"',
  )
    .option(
      '--reason <text>',
      approve ? 'kept with the decision in the audit log' : 'told to the agent and kept in the audit log',
    )
    .action(
      action(async (id: string, options: { reason?: string; json?: boolean }, command: Command) => {
        const approval = await clientFor(command).request<ApprovalView>(
          'POST',
          `/approvals/${encodeURIComponent(id)}/${verb}`,
          options.reason === undefined ? {} : { reason: options.reason },
        );
        if (options.json) return printJson(approval);
        if (!approve)
          return console.log(
            `Denied ${approval.id}: ${approval.agentName} ${approval.method} ${approval.path}`,
          );
        console.log(
          approval.status === 'approved'
            ? `Approved ${approval.id}: ${approval.agentName} may now make ${approval.method} ${approval.path} once, before ${approval.expiresAt}`
            : `Recorded your approval of ${approval.id} (${approval.approvalsGiven} of ${approval.required}); it needs another operator`,
        );
      }),
    );
}

/** `bollard approvals list|show|approve|deny`. */
export function registerApprovalsCommand(program: Command): void {
  const approvals = withUsageExitCode(program.command('approvals'))
    .description('Decide calls that wait for an operator (policy approve: rules)')
    .addHelpText(
      'after',
      `
An agent whose call needs approval gets 403 approval_required with the request id. Approve it here;
the agent's identical call (same method, path, query and body) then runs once. Deny it and the agent
gets 403 approval_denied with your reason. Deciding needs the approver or admin role.

Examples:
  bollard approvals list
  bollard approvals show apr_01J…
  bollard approvals approve apr_01J… --reason "ticket 1234"
  bollard approvals deny apr_01J… --reason "use the staging org"
`,
    );
  registerList(approvals);
  registerShow(approvals);
  registerDecision(approvals, 'approve');
  registerDecision(approvals, 'deny');
}
