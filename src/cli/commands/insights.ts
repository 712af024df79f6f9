import type { Command } from 'commander';
import type { DesiredPolicy, GrantSuggestion, ReplayCount, ReplayReport } from '../../agents/index.js';
import { renderTable } from '../table.js';
import { action, clientFor, printJson, withConnectionOptions } from './admin-client.js';

function countRows(counts: readonly ReplayCount[]): string[][] {
  return counts.map((c) => [`${c.method} ${c.path}`, c.endpoint, String(c.count), c.lastSeen]);
}

function renderReplay(report: ReplayReport): string {
  const out = [`Replayed ${report.calls} recorded calls since ${report.since}.`];
  const sections: [keyof ReplayReport['agents'][number], string][] = [
    ['wouldDeny', 'would now be DENIED'],
    ['wouldNeedApproval', 'would now wait for an approval'],
    ['newlyAllowed', 'would now be allowed (denied then)'],
  ];
  for (const agent of report.agents) {
    for (const [key, title] of sections) {
      const counts = agent[key] as ReplayCount[];
      if (counts.length === 0) continue;
      out.push('', `${agent.agent}: ${counts.reduce((s, c) => s + c.count, 0)} calls ${title}`);
      out.push(renderTable(['CALL', 'ENDPOINT', 'COUNT', 'LAST SEEN'], countRows(counts)));
    }
  }
  const { wouldDeny, wouldNeedApproval, newlyAllowed } = report.summary;
  out.push(
    '',
    wouldDeny > 0
      ? `${wouldDeny} allowed calls would be denied: this policy would break traffic seen in the window.`
      : 'No allowed call would be denied.',
    `${wouldNeedApproval} would wait for an approval; ${newlyAllowed} denied calls would be allowed.`,
  );
  return out.join('\n');
}

/** `bollard policy replay FILE [--since 30d]`: exit 1 when traffic allowed now would be denied. */
export function registerReplayCommand(
  policy: Command,
  validFile: (file: string) => Promise<DesiredPolicy>,
): void {
  withConnectionOptions(policy.command('replay <file>'))
    .description(
      'Replay recorded calls against the file: what it would deny, hold for approval, or newly allow',
    )
    .option('--since <when>', 'how far back: a duration (30d, 12h) or a date', '30d')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Exits 1 when calls that were allowed in the window would be denied, so it can guard a CI pipeline
before the file is applied. Grants and approve: rules are replayed; organization pins are not.

Examples:
  bollard policy replay bollard.yaml
  bollard policy replay bollard.yaml --since 7d --json
`,
    )
    .action(
      action(async (file: string, options: { since: string; json?: boolean }, command: Command) => {
        const desired = await validFile(file);
        const report = await clientFor(command).request<ReplayReport>('POST', '/policy/replay', {
          ...desired,
          since: options.since,
        });
        if (options.json) printJson(report);
        else console.log(renderReplay(report));
        if (report.summary.wouldDeny > 0) process.exitCode = 1;
      }),
    );
}

/** `bollard agents suggest NAME [--since 30d]`: the least privilege that covers what it did. */
export function registerSuggestCommand(agents: Command): void {
  withConnectionOptions(agents.command('suggest <name>'))
    .description('Propose the minimal grants for what the agent actually called, as a policy-file diff')
    .option('--since <when>', 'how far back: a duration (30d, 12h) or a date', '30d')
    .option('--json', 'print the suggestion as JSON')
    .addHelpText('after', '\nExample:\n  bollard agents suggest support-bot --since 30d\n')
    .action(
      action(async (name: string, options: { since: string; json?: boolean }, command: Command) => {
        const query = new URLSearchParams({ since: options.since });
        const s = await clientFor(command).request<GrantSuggestion>(
          'GET',
          `/agents/${encodeURIComponent(name)}/suggest?${query}`,
        );
        if (options.json) return printJson(s);
        const out = [`${s.agent}: ${s.calls} allowed calls since ${s.since}.`];
        if (s.used.length > 0)
          out.push(
            '',
            renderTable(
              ['CALL', 'PERMISSION', 'COUNT'],
              s.used.map((u) => [
                `${u.method} ${u.path}${u.destructive ? ' (destructive)' : ''}`,
                u.permission,
                String(u.count),
              ]),
            ),
          );
        out.push('', `Minimal grants: ${s.grants.join(', ') || '(none)'}`);
        out.push(`Unused in the window: ${s.unused.join(', ') || '(none)'}`);
        if (s.approve.length > 0)
          out.push(`Approvals its destructive calls would need: approve: [${s.approve.join(', ')}]`);
        out.push('', 'As a change to bollard.yaml:', '', s.diff);
        console.log(out.join('\n'));
      }),
    );
}
