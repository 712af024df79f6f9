import { describe, expect, it } from 'vitest';
import { percentile } from '../bench/lib/load.js';
import { foldRounds, type Round, ratios } from '../bench/lib/summary.js';
import { checkGoals, renderTable } from '../bench/lib/table.js';

function round(
  target: Round['target'],
  rps: number,
  p50: number,
  auditRowsPerSecond: number | null = null,
): Round {
  return {
    target,
    operation: 'read',
    connections: 32,
    load: { requests: rps, seconds: 1, rps, p50, p90: p50 * 2, p99: p50 * 3, failures: 0 },
    cpuMsPerRequest: 0.1,
    peakRssMb: rps / 100,
    auditRowsPerSecond,
  };
}

describe('bench summary', () => {
  it('takes nearest-rank percentiles of sorted latencies', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile([], 0.5)).toBe(0);
  });

  it('folds rounds to medians, keeps the highest RSS, and compares Bollard with the floor and direct', () => {
    const cells = foldRounds([
      round('direct', 10_000, 1),
      round('floor', 4_000, 2),
      round('floor', 6_000, 4),
      round('floor', 5_000, 3),
      round('bollard', 4_000, 3.5, 8_000),
    ]);
    const floor = cells.find((c) => c.target === 'floor');
    expect(floor).toMatchObject({ rounds: 3, rps: 5_000, p50: 3, peakRssMb: 60 });
    const [ratio] = ratios(cells);
    expect(ratio).toMatchObject({
      target: 'bollard',
      rpsVsFloor: 0.8,
      rpsVsDirect: 0.4,
      p50OverFloorMs: 0.5,
    });
    expect(checkGoals(ratios(cells))).toEqual([
      { goal: 'read, 32 connections: Bollard ≥ 0.85× floor req/s', measured: '0.80×', met: false },
    ]);
    const table = renderTable(cells, ratios(cells));
    expect(table).toContain('Bollard FULL');
    expect(table).toContain('0.80×');
    expect(table).toContain('8,000');
  });
});
