import type { Command } from 'commander';
import type { AuditEntry } from '../../admin/index.js';
import { parseSince } from '../../agents/duration.js';
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

interface LogsOptions {
  agent?: string;
  decision?: string;
  area?: string;
  endpoint?: string;
  status?: string;
  organization?: string;
  since?: string;
  until?: string;
  limit: string;
  follow?: boolean;
  shadowDiff?: boolean;
  json?: boolean;
}

const HEADERS = ['TIME', 'AGENT', 'DECISION', 'STATUS', 'METHOD', 'PATH', 'WHY'];
/** Column widths for `--follow`, where rows arrive one at a time and cannot be measured together. */
const FOLLOW_WIDTHS = [24, 16, 8, 7, 6, 40];

/** One line of a followed log, padded to FOLLOW_WIDTHS so the header and every row line up. */
export function followLine(cells: readonly string[]): string {
  return cells
    .map((cell, column) => {
      const width = FOLLOW_WIDTHS[column];
      if (width === undefined) return cell;
      return (cell.length > width ? `${cell.slice(0, width - 1)}…` : cell).padEnd(width);
    })
    .join('  ')
    .trimEnd();
}

/** One line per entry: a call shows its endpoint and reason, an admin change its action. */
export function entryRow(entry: AuditEntry): string[] {
  if (entry.kind !== 'call') {
    return [
      entry.time,
      entry.agentName ?? '-',
      entry.kind,
      '-',
      '-',
      '-',
      `${entry.reason ?? ''} by ${entry.rule ?? '?'}`,
    ];
  }
  const what =
    entry.decision === 'deny' ? `${entry.reason} ${entry.permission ?? ''}`.trim() : (entry.endpointId ?? '');
  const via = entry.details?.via === 'mcp' ? `${what} (mcp ${String(entry.details.tool)})` : what;
  // An aggregate record stands for the repeats of one kind of denial in one second (`details.aggregate`).
  const aggregate = entry.details?.aggregate as { count?: unknown; shared?: unknown } | undefined;
  const counted = typeof aggregate?.count === 'number' ? `${via} ×${aggregate.count}` : via;
  // A call forwarded just before a crash: what WorkOS answered was never recorded (see outcome_unknown).
  const unknown = entry.outcome?.details?.error === 'outcome_unknown';
  const why = unknown ? `${counted} (outcome unknown: Bollard stopped before recording it)` : counted;
  return [
    entry.time,
    // Agents' denials past the open-window limit share one aggregate, of no one agent.
    entry.agentName ?? (aggregate?.shared === true && entry.clientIp === null ? '(agents)' : '(anonymous)'),
    entry.decision ?? '-',
    unknown ? 'unknown' : String(entry.status ?? '…'),
    entry.method ?? '-',
    entry.path ?? '-',
    why,
  ];
}

/** A usage error (exit 2) when a filter names no area, decision or endpoint there is, with a suggestion. */
async function checkFilters(options: LogsOptions): Promise<void> {
  const { areaNames, filterEndpoints, suggestName } = await import('../../catalog/index.js');
  const check = (flag: string, value: string | undefined, choices: readonly string[]) => {
    if (value === undefined || choices.includes(value)) return;
    const suggestion = suggestName(value, choices);
    throw new CliError(
      `unknown ${flag} '${value}'${suggestion ? ` — did you mean '${suggestion}'?` : ''}`,
      choices.length <= 40 ? [`Valid values: ${choices.join(', ')}`] : [],
      EXIT_USAGE,
    );
  };
  check('--area', options.area, areaNames);
  check('--decision', options.decision, ['allow', 'deny']);
  check(
    '--endpoint',
    options.endpoint,
    filterEndpoints({}).map((endpoint) => endpoint.id),
  );
  if (options.status !== undefined && !/^[1-5]\d\d$/.test(options.status))
    throw new CliError(
      `--status '${options.status}' is not an HTTP status (for example 403)`,
      [],
      EXIT_USAGE,
    );
}

/** The query string of the filters; `--since 10m` becomes an absolute time here. */
function filterQuery(options: LogsOptions): URLSearchParams {
  const query = new URLSearchParams();
  const set = (key: string, value: string | undefined) => value !== undefined && query.set(key, value);
  set('agent', options.agent);
  set('decision', options.decision);
  set('area', options.area);
  set('endpoint', options.endpoint);
  set('status', options.status);
  set('organization', options.organization);
  for (const key of ['since', 'until'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    const at = parseSince(value);
    if (!at)
      throw new CliError(
        `--${key} '${value}' is neither a duration (10m, 2h, 7d) nor an ISO date`,
        [],
        EXIT_USAGE,
      );
    query.set(key, at);
  }
  return query;
}

/** Reads Server-Sent Events from a response body, calling `onEvent` with each `data:` payload. */
async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (data: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const data = buffer
        .slice(0, end)
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data) onEvent(data);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
    }
  }
}

async function follow(command: Command, options: LogsOptions): Promise<void> {
  const query = filterQuery(options);
  query.delete('until');
  const response = await clientFor(command).send(
    'GET',
    `/audit/stream?${query}`,
    undefined,
    'text/event-stream',
  );
  if (!response.body) throw new CliError('the admin API sent no event stream');
  // Once the headers are here the server has fixed its starting point: every later entry will show.
  console.error(`Following the audit log at ${clientFor(command).baseUrl} (Ctrl-C stops)…`);
  if (!options.json) console.log(followLine(HEADERS));
  await readEvents(response.body, (data) => {
    const entry = JSON.parse(data) as AuditEntry;
    console.log(options.json ? JSON.stringify(entry) : followLine(entryRow(entry)));
  });
}

/** The entries whose shadow verdict disagrees with the enforced decision, side by side. */
function printShadowDiff(entries: AuditEntry[], json?: boolean): void {
  type Shadow = { decision: string; rule: string; agrees: boolean };
  const differing = entries.filter((e) => (e.details?.shadow as Shadow | undefined)?.agrees === false);
  if (json) {
    printJson(differing);
    return;
  }
  if (differing.length === 0) {
    console.log(
      `No disagreement in these ${entries.length} entries (a shadow policy runs with bollard start --shadow-policy FILE).`,
    );
    return;
  }
  const rows = differing.map((e) => {
    const shadow = e.details.shadow as Shadow;
    return [
      e.time,
      e.agentName ?? '-',
      `${e.method ?? ''} ${e.path ?? ''}`,
      `${e.decision} (${e.reason})`,
      `${shadow.decision} (${shadow.rule})`,
    ];
  });
  console.log(renderTable(['TIME', 'AGENT', 'CALL', 'ENFORCED', 'SHADOW'], rows));
  console.log(`\n${differing.length} of ${entries.length} entries disagree.`);
}

/** `bollard logs`: what agents did, newest last; `--follow` keeps printing as calls happen. */
export function registerLogsCommand(program: Command): void {
  withUsageExitCode(withConnectionOptions(program.command('logs')))
    .description('Show the audit log: calls (allowed and denied) and admin changes')
    .option('-a, --agent <agent>', 'only this agent (name or id)')
    .option('--decision <decision>', 'allow or deny')
    .option('--area <area>', 'only calls in this area (users, organizations, …)')
    .option('--endpoint <id>', 'only this catalog endpoint (organizations.delete)')
    .option('--status <code>', 'only this HTTP status')
    .option('--organization <id>', 'only calls that touched this organization')
    .option('--since <when>', 'from this long ago (10m, 2h, 7d) or an ISO date')
    .option('--until <when>', 'up to this long ago or ISO date')
    .option('-n, --limit <count>', 'how many entries', '50')
    .option('-f, --follow', 'keep printing new entries as they happen (Ctrl-C stops)')
    .option(
      '--shadow-diff',
      'only calls where the shadow policy (--shadow-policy) would have decided otherwise',
    )
    .option('--json', 'JSON: an array, or one entry per line with --follow')
    .addHelpText(
      'after',
      `
Examples:
  bollard logs --agent support-bot --since 1h
  bollard logs --decision deny --area users
  bollard logs --follow
  bollard logs --shadow-diff --since 1d -n 1000
  bollard logs --json | jq '.[] | select(.status >= 500)'
`,
    )
    .action(
      action(async (options: LogsOptions, command: Command) => {
        await checkFilters(options);
        if (options.follow) return follow(command, options);
        const query = filterQuery(options);
        query.set('limit', options.limit);
        const page = await clientFor(command).request<{ data: AuditEntry[] }>('GET', `/audit?${query}`);
        const entries = page.data.reverse(); // the API pages newest first; people read oldest first
        if (options.shadowDiff) return printShadowDiff(entries, options.json);
        if (options.json) return printJson(entries);
        console.log(
          entries.length > 0 ? renderTable(HEADERS, entries.map(entryRow)) : 'No matching entries.',
        );
      }),
    );
}
