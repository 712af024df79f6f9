import { type Cell, median, type Ratio, type Round } from './summary.js';

const HEADER = [
  'op',
  'conns',
  'target',
  'req/s',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  'CPU ms/req',
  'peak RSS MB',
  'audit rows/s',
  '× floor',
  '× direct',
];

const TARGET_LABEL: Record<Cell['target'], string> = {
  direct: 'direct',
  floor: 'floor (undici)',
  bollard: 'Bollard FULL',
  'bollard-normal': 'Bollard NORMAL',
  'bollard-postgres': 'Bollard PostgreSQL',
  'bollard-nometrics': 'Bollard FULL, metrics off',
  'bollard-sinks': 'Bollard FULL, HTTP sink + WorkOS mirror',
  'bollard-fullpath': 'Bollard FULL, fast path off',
};

/** The results as one Markdown table (readable in a terminal, pasteable into the README). */
export function renderTable(cells: readonly Cell[], ratios: readonly Ratio[]): string {
  const rows = cells.map((cell) => {
    const ratio = ratios.find(
      (r) => r.target === cell.target && r.operation === cell.operation && r.connections === cell.connections,
    );
    return [
      cell.operation,
      String(cell.connections),
      TARGET_LABEL[cell.target] + (cell.failures > 0 ? ` (${cell.failures} failed)` : ''),
      Math.round(cell.rps).toLocaleString('en-US'),
      cell.p50.toFixed(2),
      cell.p90.toFixed(2),
      cell.p99.toFixed(2),
      cell.cpuMsPerRequest.toFixed(3),
      cell.peakRssMb.toFixed(0),
      cell.auditRowsPerSecond === null ? '' : Math.round(cell.auditRowsPerSecond).toLocaleString('en-US'),
      ratio ? `${ratio.rpsVsFloor.toFixed(2)}×` : '',
      ratio ? `${ratio.rpsVsDirect.toFixed(2)}×` : '',
    ];
  });
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 3 ? `${'-'.repeat(w + 1)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`;
  return [line(HEADER), rule, ...rows.map(line)].join('\n');
}

/** Where the issue's goals stand (issue 13). `fsyncP50Ms`: one raw append + fdatasync on this disk. */
export interface GoalCheck {
  goal: string;
  measured: string;
  met: boolean;
}

export function checkGoals(ratios: readonly Ratio[], fsyncP50Ms?: number): GoalCheck[] {
  const find = (target: Ratio['target'], operation: Ratio['operation'], connections: number) =>
    ratios.find((r) => r.target === target && r.operation === operation && r.connections === connections);
  const read32 = find('bollard', 'read', 32);
  const read1 = find('bollard', 'read', 1);
  const deny32 = find('bollard', 'deny', 32);
  const postgres32 = find('bollard-postgres', 'read', 32);
  const checks: GoalCheck[] = [];
  const times = (r: Ratio) => `${r.rpsVsFloor.toFixed(2)}×`;
  if (read32)
    checks.push(
      {
        goal: 'read, 32 connections: Bollard ≥ 0.75× floor req/s',
        measured: times(read32),
        met: read32.rpsVsFloor >= 0.75,
      },
      {
        goal: 'read, 32 connections: Bollard CPU per call ≤ floor + 60 µs',
        measured: `+${read32.cpuOverFloorUs.toFixed(0)} µs`,
        met: read32.cpuOverFloorUs <= 60,
      },
    );
  if (read1) {
    const allowance = 0.15 + (fsyncP50Ms ?? 0);
    checks.push({
      goal: `read, 1 connection: Bollard p50 ≤ floor p50 + ${fsyncP50Ms === undefined ? '' : 'one fsync + '}0.15 ms`,
      measured: `${read1.p50OverFloorMs >= 0 ? '+' : ''}${read1.p50OverFloorMs.toFixed(3)} ms${fsyncP50Ms === undefined ? '' : ` (fsync p50 ${fsyncP50Ms.toFixed(3)} ms)`}`,
      met: read1.p50OverFloorMs <= allowance,
    });
  }
  if (deny32)
    checks.push({
      goal: 'denials, 32 connections: Bollard ≥ 2× floor req/s',
      measured: times(deny32),
      met: deny32.rpsVsFloor >= 2,
    });
  if (postgres32)
    checks.push({
      goal: 'read, 32 connections, PostgreSQL store: Bollard ≥ 0.5× floor req/s',
      measured: times(postgres32),
      met: postgres32.rpsVsFloor >= 0.5,
    });
  return checks;
}

/**
 * Whether streaming the audit log leaves the proxy's figures unchanged within noise (issue 20): for each read
 * cell measured with and without the sinks, the sinks' median req/s must be at least, and its median p50 at
 * most, what Bollard FULL's own slowest round measured in the same run — a figure Bollard alone also produced.
 * The rounds are interleaved, so both saw the same machine.
 */
export function checkSinksGoal(rounds: readonly Round[]): GoalCheck[] {
  const checks: GoalCheck[] = [];
  const of = (target: Round['target'], connections: number) =>
    rounds.filter((r) => r.target === target && r.operation === 'read' && r.connections === connections);
  const connections = [...new Set(rounds.map((r) => r.connections))].sort((a, b) => a - b);
  for (const n of connections) {
    const plain = of('bollard', n);
    const sinks = of('bollard-sinks', n);
    if (plain.length === 0 || sinks.length === 0) continue;
    const range = (values: number[]) => [Math.min(...values), Math.max(...values)] as const;
    const [rpsLow, rpsHigh] = range(plain.map((r) => r.load.rps));
    const [p50Low, p50High] = range(plain.map((r) => r.load.p50));
    const rps = median(sinks.map((r) => r.load.rps));
    const p50 = median(sinks.map((r) => r.load.p50));
    const rpsPlain = median(plain.map((r) => r.load.rps));
    const change = ((rps - rpsPlain) / rpsPlain) * 100;
    const whole = (v: number) => Math.round(v).toLocaleString('en-US');
    checks.push({
      goal: `read, ${n} connection${n === 1 ? '' : 's'}: HTTP sink + WorkOS mirror on, req/s and p50 no worse than Bollard FULL's own slowest round`,
      measured:
        `${whole(rps)} req/s (${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(1)} %; Bollard FULL's rounds ${whole(rpsLow)}–${whole(rpsHigh)}), ` +
        `p50 ${p50.toFixed(2)} ms (${p50Low.toFixed(2)}–${p50High.toFixed(2)})`,
      met: rps >= rpsLow && p50 <= p50High,
    });
  }
  return checks;
}

/** Bollard's CPU per request by stage, one line per measured Bollard cell. */
export function renderStages(cells: readonly Cell[]): string {
  const lines = cells
    .filter((c) => c.stages)
    .map((c) => {
      const s = c.stages!;
      const total = c.cpuMsPerRequest * 1000;
      return `${c.operation.padEnd(5)} ${String(c.connections).padStart(3)}  ${TARGET_LABEL[c.target].padEnd(18)} ${total.toFixed(0).padStart(5)} µs CPU = main thread ${s.mainUs.toFixed(0)} (audit hand-off ${s.auditHandOffUs.toFixed(0)}) + off the main thread ${s.offMainUs.toFixed(0)}`;
    });
  return lines.length > 0 ? `CPU per request by stage:\n${lines.join('\n')}` : '';
}

export function renderGoals(checks: readonly GoalCheck[]): string {
  return checks.map((c) => `${c.met ? 'MET   ' : 'MISSED'}  ${c.goal}: ${c.measured}`).join('\n');
}

/** What MCP adds per call over the HTTP read, Bollard FULL, same run (goal: ≤ 0.25 ms CPU). */
export function renderMcpOverhead(cells: readonly Cell[], connections: readonly number[]): string {
  const lines = connections.map((n) => {
    const http = cells.find((c) => c.target === 'bollard' && c.operation === 'read' && c.connections === n);
    const mcp = cells.find((c) => c.target === 'bollard' && c.operation === 'mcp' && c.connections === n);
    if (!http || !mcp) return `  ${n} conn: not measured`;
    const extra = mcp.cpuMsPerRequest - http.cpuMsPerRequest;
    return `  ${n} conn: MCP tools/call ${mcp.cpuMsPerRequest.toFixed(3)} ms CPU/call vs HTTP read ${http.cpuMsPerRequest.toFixed(3)} → ${extra >= 0 ? '+' : ''}${extra.toFixed(3)} ms (goal ≤ 0.25) ${extra <= 0.25 ? 'met' : 'NOT met'}; p50 ${mcp.p50.toFixed(2)} vs ${http.p50.toFixed(2)} ms`;
  });
  return ['\nMCP over HTTP (Bollard FULL):', ...lines].join('\n');
}
