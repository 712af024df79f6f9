import type { WindowStats } from './child-stats.js';
import type { LoadFigures } from './load.js';

export type TargetName =
  | 'direct'
  | 'floor'
  | 'bollard'
  | 'bollard-normal'
  | 'bollard-postgres'
  | 'bollard-nometrics'
  | 'bollard-sinks'
  | 'bollard-fullpath';
/**
 * `deny`: an agent calling an endpoint it lacks (Bollard answers 403; the others pass it through).
 * `mcp`: the read as an MCP `tools/call` of `organizations_list` on `POST /mcp` (Bollard only).
 */
export type Operation = 'read' | 'write' | 'deny' | 'mcp';

/** Bollard's CPU per request split by where it is spent, from the process's own counters (µs). */
export interface Stages {
  /** The main thread's own CPU: the proxy pipeline, from parsing the request to relaying the answer. */
  mainUs: number;
  /** Of which: handing audit drafts to the writer (the synchronous part of append). */
  auditHandOffUs: number;
  /** CPU spent off the main thread: the audit writer thread (encode, hash, SQLite) and V8's helpers. */
  offMainUs: number;
}

/** One measured round of one target under one load. */
export interface Round {
  target: TargetName;
  operation: Operation;
  connections: number;
  load: LoadFigures;
  /** CPU time of the process under test (the upstream for `direct`, the proxy otherwise) per request. */
  cpuMsPerRequest: number;
  peakRssMb: number;
  /** Audit rows committed per second (Bollard only; two rows per call: the call and its outcome). */
  auditRowsPerSecond: number | null;
  /** Bollard only, where the process reports its counters. */
  stages?: Stages | null;
}

/** The rounds of one cell folded: medians, except peak RSS (the highest) and failures (the sum). */
export interface Cell {
  target: TargetName;
  operation: Operation;
  connections: number;
  rounds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  cpuMsPerRequest: number;
  peakRssMb: number;
  auditRowsPerSecond: number | null;
  stages: Stages | null;
  failures: number;
}

export function toRound(
  target: TargetName,
  operation: Operation,
  connections: number,
  load: LoadFigures,
  before: WindowStats,
  after: WindowStats,
): Round {
  const seqBefore = before.extra.auditSeq;
  const seqAfter = after.extra.auditSeq;
  const delta = (name: string) => ((after.extra[name] ?? 0) - (before.extra[name] ?? 0)) * 1000;
  const perRequest = (us: number) => (load.requests > 0 ? us / load.requests : 0);
  const mainUs = perRequest(delta('mainBusyMs'));
  return {
    target,
    operation,
    connections,
    load,
    cpuMsPerRequest: load.requests > 0 ? after.cpuMs / load.requests : 0,
    peakRssMb: after.peakRssMb,
    auditRowsPerSecond:
      seqBefore === undefined || seqAfter === undefined ? null : (seqAfter - seqBefore) / load.seconds,
    stages:
      after.extra.mainBusyMs === undefined
        ? null
        : {
            mainUs,
            auditHandOffUs: perRequest(delta('auditHandOffMs')),
            offMainUs: Math.max(0, (load.requests > 0 ? (after.cpuMs * 1000) / load.requests : 0) - mainUs),
          },
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function foldRounds(rounds: readonly Round[]): Cell[] {
  const groups = new Map<string, Round[]>();
  for (const round of rounds) {
    const key = `${round.operation}/${round.connections}/${round.target}`;
    groups.set(key, [...(groups.get(key) ?? []), round]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as Round;
    const audit = group.map((r) => r.auditRowsPerSecond).filter((v): v is number => v !== null);
    const staged = group.map((r) => r.stages).filter((v): v is Stages => v != null);
    return {
      target: first.target,
      operation: first.operation,
      connections: first.connections,
      rounds: group.length,
      rps: median(group.map((r) => r.load.rps)),
      p50: median(group.map((r) => r.load.p50)),
      p90: median(group.map((r) => r.load.p90)),
      p99: median(group.map((r) => r.load.p99)),
      cpuMsPerRequest: median(group.map((r) => r.cpuMsPerRequest)),
      peakRssMb: Math.max(...group.map((r) => r.peakRssMb)),
      auditRowsPerSecond: audit.length > 0 ? median(audit) : null,
      stages:
        staged.length > 0
          ? {
              mainUs: median(staged.map((s) => s.mainUs)),
              auditHandOffUs: median(staged.map((s) => s.auditHandOffUs)),
              offMainUs: median(staged.map((s) => s.offMainUs)),
            }
          : null,
      failures: group.reduce((sum, r) => sum + r.load.failures, 0),
    };
  });
}

/** Bollard against the floor and against calling the upstream directly, for one operation and load. */
export interface Ratio {
  target: TargetName;
  operation: Operation;
  connections: number;
  rpsVsFloor: number;
  rpsVsDirect: number;
  p50OverFloorMs: number;
  p50VsFloor: number;
  /** Bollard's CPU per request over the floor's, in µs. */
  cpuOverFloorUs: number;
}

export function ratios(cells: readonly Cell[]): Ratio[] {
  const find = (target: TargetName, operation: Operation, connections: number) =>
    cells.find((c) => c.target === target && c.operation === operation && c.connections === connections);
  const out: Ratio[] = [];
  for (const cell of cells) {
    if (cell.target === 'direct' || cell.target === 'floor') continue;
    const floor = find('floor', cell.operation, cell.connections);
    const direct = find('direct', cell.operation, cell.connections);
    if (!floor || !direct) continue;
    out.push({
      target: cell.target,
      operation: cell.operation,
      connections: cell.connections,
      rpsVsFloor: cell.rps / floor.rps,
      rpsVsDirect: cell.rps / direct.rps,
      p50OverFloorMs: cell.p50 - floor.p50,
      p50VsFloor: cell.p50 / floor.p50,
      cpuOverFloorUs: (cell.cpuMsPerRequest - floor.cpuMsPerRequest) * 1000,
    });
  }
  return out;
}
