import type { Cell, Ratio } from './summary.js';

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

/** Where the issue's goals stand: read at 32 connections ≥ 0.85× floor, p50 at 1 ≤ floor + 0.15 ms. */
export interface GoalCheck {
  goal: string;
  measured: string;
  met: boolean;
}

export function checkGoals(ratios: readonly Ratio[]): GoalCheck[] {
  const read32 = ratios.find((r) => r.target === 'bollard' && r.operation === 'read' && r.connections === 32);
  const read1 = ratios.find((r) => r.target === 'bollard' && r.operation === 'read' && r.connections === 1);
  const checks: GoalCheck[] = [];
  if (read32)
    checks.push({
      goal: 'read, 32 connections: Bollard ≥ 0.85× floor req/s',
      measured: `${read32.rpsVsFloor.toFixed(2)}×`,
      met: read32.rpsVsFloor >= 0.85,
    });
  if (read1)
    checks.push({
      goal: 'read, 1 connection: Bollard p50 ≤ floor p50 + 0.15 ms',
      measured: `${read1.p50OverFloorMs >= 0 ? '+' : ''}${read1.p50OverFloorMs.toFixed(3)} ms`,
      met: read1.p50OverFloorMs <= 0.15,
    });
  return checks;
}

export function renderGoals(checks: readonly GoalCheck[]): string {
  return checks.map((c) => `${c.met ? 'MET   ' : 'MISSED'}  ${c.goal}: ${c.measured}`).join('\n');
}
