import { performance } from 'node:perf_hooks';
import {
  decideShare,
  fairShareKeys,
  type TakePlan,
  type TakeResult,
  type Ticket,
  type WindowStore,
} from './window-store.js';

interface Log {
  windowMs: number;
  /** Entry times, oldest first; `members[i]` names `times[i]` so a release can remove it. */
  times: number[];
  members: string[];
}

interface ActiveAgent {
  weight: number;
  lastSeen: number;
}

/** Drop idle logs every so many takes, so one-off scope keys (an email sent once) do not pile up. */
const SWEEP_EVERY = 1000;

/** Milliseconds from a monotonic source: a wall-clock step back must not reopen a full window. */
export type Clock = () => number;
const monotonicClock: Clock = () => performance.timeOrigin + performance.now();

/**
 * Sliding logs in this process's memory. Synchronous inside, so a take is atomic.
 * @example const store = createMemoryStore(); await store.take({ buckets: [...], fairShare: null });
 */
export function createMemoryStore(clock: Clock = monotonicClock): WindowStore {
  const logs = new Map<string, Log>();
  const active = new Map<string, Map<string, ActiveAgent>>();
  let sequence = 0;
  let takesSinceSweep = 0;

  /** The log at `key` with entries older than its window removed. */
  function pruned(key: string, windowMs: number, now: number): Log {
    let log = logs.get(key);
    if (!log) {
      log = { windowMs, times: [], members: [] };
      logs.set(key, log);
    }
    log.windowMs = windowMs;
    let expired = 0;
    while (expired < log.times.length && log.times[expired] <= now - windowMs) expired++;
    if (expired > 0) {
      log.times.splice(0, expired);
      log.members.splice(0, expired);
    }
    return log;
  }

  function msBeforeNext(log: Log, now: number): number {
    return log.times.length === 0 ? log.windowMs : log.times[0] + log.windowMs - now;
  }

  function append(key: string, now: number, member: string): void {
    const log = logs.get(key);
    if (!log) return;
    log.times.push(now);
    log.members.push(member);
  }

  function activeAgents(poolKey: string, windowMs: number, now: number): Map<string, ActiveAgent> {
    let agents = active.get(poolKey);
    if (!agents) {
      agents = new Map();
      active.set(poolKey, agents);
    }
    for (const [id, agent] of agents) if (agent.lastSeen <= now - windowMs) agents.delete(id);
    return agents;
  }

  function sweep(now: number): void {
    for (const [key, log] of logs) {
      if (log.times.length === 0 || log.times[log.times.length - 1] <= now - log.windowMs) logs.delete(key);
    }
  }

  function take(plan: TakePlan): TakeResult {
    const now = clock();
    if (++takesSinceSweep >= SWEEP_EVERY) {
      takesSinceSweep = 0;
      sweep(now);
    }
    for (const [index, bucket] of plan.buckets.entries()) {
      const log = pruned(bucket.key, bucket.windowMs, now);
      if (log.times.length >= bucket.limit) {
        return { ok: false, refusedBy: 'bucket', index, msBeforeNext: msBeforeNext(log, now) };
      }
    }
    const keys = plan.buckets.map((b) => b.key);
    const fair = plan.fairShare;
    if (fair) {
      const names = fairShareKeys(fair.poolKey, fair.agentId);
      const pool = pruned(fair.poolKey, fair.windowMs, now);
      const mine = pruned(names.agent, fair.windowMs, now);
      const agents = activeAgents(fair.poolKey, fair.windowMs, now);
      agents.set(fair.agentId, { weight: fair.weight, lastSeen: now });
      const others = [...agents]
        .filter(([id]) => id !== fair.agentId)
        .map(([id, agent]) => ({
          weight: agent.weight,
          used: pruned(names.agentPrefix + id, fair.windowMs, now).times.length,
        }));
      const verdict = decideShare(
        fair.budget,
        pool.times.length,
        { weight: fair.weight, used: mine.times.length },
        others,
      );
      if (!verdict.ok) {
        if (verdict.refusedBy === 'pool') return { ...verdict, msBeforeNext: msBeforeNext(pool, now) };
        return { ...verdict, msBeforeNext: msBeforeNext(mine, now) };
      }
      keys.push(fair.poolKey, names.agent);
    }
    const member = `${now}:${++sequence}`;
    for (const key of keys) append(key, now, member);
    return { ok: true, ticket: { member, keys } };
  }

  function release(ticket: Ticket): void {
    for (const key of ticket.keys) {
      const log = logs.get(key);
      const at = log ? log.members.indexOf(ticket.member) : -1;
      if (log && at >= 0) {
        log.times.splice(at, 1);
        log.members.splice(at, 1);
      }
    }
  }

  return {
    take: async (plan) => take(plan),
    release: async (ticket) => release(ticket),
    close: async () => {
      logs.clear();
      active.clear();
    },
  };
}
