import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../bench/lib/args.js';
import { percentile } from '../bench/lib/load.js';
import { foldRounds, type Round, ratios } from '../bench/lib/summary.js';
import { checkGoals, checkSinksGoal, renderStages, renderTable } from '../bench/lib/table.js';

function round(
  target: Round['target'],
  rps: number,
  p50: number,
  auditRowsPerSecond: number | null = null,
  operation: Round['operation'] = 'read',
): Round {
  return {
    target,
    operation,
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
      { goal: 'read, 32 connections: Bollard ≥ 0.75× floor req/s', measured: '0.80×', met: true },
      { goal: 'read, 32 connections: Bollard CPU per call ≤ floor + 60 µs', measured: '+0 µs', met: true },
    ]);
    const table = renderTable(cells, ratios(cells));
    expect(table).toContain('Bollard FULL');
    expect(table).toContain('0.80×');
    expect(table).toContain('8,000');
  });

  it('adds the denial flood, the PostgreSQL store and the CPU stages, each with its goal', () => {
    const staged = (
      target: Round['target'],
      rps: number,
      operation: Round['operation'],
      cpuMs: number,
    ): Round => {
      const base = round(target, rps, 1, null, operation);
      const mainUs = cpuMs * 1000 * 0.75;
      return {
        ...base,
        cpuMsPerRequest: cpuMs,
        stages: target.startsWith('bollard')
          ? { mainUs, auditHandOffUs: 4, offMainUs: cpuMs * 1000 - mainUs }
          : null,
      };
    };
    const cells = foldRounds([
      staged('direct', 9_000, 'read', 0.02),
      staged('floor', 5_000, 'read', 0.1),
      staged('bollard', 3_000, 'read', 0.2),
      staged('bollard-postgres', 2_000, 'read', 0.3),
      staged('direct', 9_000, 'deny', 0.02),
      staged('floor', 5_000, 'deny', 0.1),
      staged('bollard', 12_000, 'deny', 0.05),
    ]);
    const goals = checkGoals(ratios(cells), 0.3);
    expect(goals.map((g) => [g.goal, g.measured, g.met])).toEqual([
      ['read, 32 connections: Bollard ≥ 0.75× floor req/s', '0.60×', false],
      ['read, 32 connections: Bollard CPU per call ≤ floor + 60 µs', '+100 µs', false],
      ['denials, 32 connections: Bollard ≥ 2× floor req/s', '2.40×', true],
      ['read, 32 connections, PostgreSQL store: Bollard ≥ 0.5× floor req/s', '0.40×', false],
    ]);
    const table = renderTable(cells, ratios(cells));
    expect(table).toContain('Bollard PostgreSQL');
    expect(table).toMatch(/\| deny +\| 32 +\| Bollard FULL +\| +12,000 \|/);
    expect(renderStages(cells)).toContain(
      'read   32  Bollard FULL         200 µs CPU = main thread 150 (audit hand-off 4) + off the main thread 50',
    );
  });

  it("judges the audit sinks against the spread of Bollard FULL's own rounds, at each connection count", () => {
    const at = (target: Round['target'], connections: number, rps: number, p50: number): Round => ({
      ...round(target, rps, p50),
      connections,
    });
    const rounds = [
      at('bollard', 1, 800, 1.1),
      at('bollard', 1, 760, 1.2),
      at('bollard', 1, 840, 1.0),
      at('bollard-sinks', 1, 790, 1.15),
      at('bollard-sinks', 1, 700, 1.3),
      at('bollard-sinks', 1, 900, 1.0),
      at('bollard', 32, 3_500, 8),
      at('bollard', 32, 3_600, 8.2),
      at('bollard', 32, 3_550, 8.1),
      // Every round slower than Bollard's slowest: a cost, not noise.
      at('bollard-sinks', 32, 3_300, 8.6),
      at('bollard-sinks', 32, 3_200, 8.9),
      at('bollard-sinks', 32, 3_450, 8.4),
      at('floor', 32, 9_000, 3),
    ];
    expect(checkSinksGoal(rounds).map((g) => [g.measured, g.met])).toEqual([
      ["790 req/s (−1.3 %; Bollard FULL's rounds 760–840), p50 1.15 ms (1.00–1.20)", true],
      ["3,300 req/s (−7.0 %; Bollard FULL's rounds 3,500–3,600), p50 8.60 ms (8.00–8.20)", false],
    ]);
    // A p50 past Bollard's slowest round fails the line even with req/s inside the range.
    const slower = rounds.map((r) =>
      r.target === 'bollard-sinks' && r.connections === 1 ? { ...r, load: { ...r.load, p50: 1.4 } } : r,
    );
    expect(checkSinksGoal(slower)[0]?.met).toBe(false);
    // Nothing to judge without both targets.
    expect(checkSinksGoal(rounds.filter((r) => r.target !== 'bollard-sinks'))).toEqual([]);
  });

  it('takes --rounds from 1 to 50 and refuses anything else', () => {
    expect(parseBenchArgs(['--rounds', '5']).rounds).toBe(5);
    expect(parseBenchArgs([]).rounds).toBeNull();
    for (const bad of ['0', '2.5', 'many', '51'])
      expect(() => parseBenchArgs(['--rounds', bad])).toThrow(/--rounds wants a whole number from 1 to 50/);
  });
});
