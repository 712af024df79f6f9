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
  /** Entries before `head` have expired; they are cut off in bulk, not one shift per call. */
  head: number;
}

const size = (log: Log) => log.times.length - log.head;

interface ActiveAgent {
  weight: number;
  lastSeen: number;
}

/** Drop idle logs every so many takes, so one-off scope keys (an email sent once) do not pile up. */
const SWEEP_EVERY = 1000;

/** Milliseconds from a monotonic source: a wall-clock step back must not reopen a full window. */
export type Clock = () => number;
const monotonicClock: Clock = () => performance.timeOrigin + performance.now();

/** The memory store, plus what a warm fallback needs: copying takes made elsewhere, and counting a log. */
export interface MemoryWindowStore extends WindowStore {
  /** Adds an entry to each of the plan's logs (its buckets, and with fair share its pool and agent) unchecked. */
  mirror(plan: TakePlan): Ticket;
  /** Entries in the log at `key` within its window now. */
  count(key: string, windowMs: number): number;
}

/**
 * Sliding logs in this process's memory. Synchronous inside, so a take is atomic.
 * @example const store = createMemoryStore(); await store.take({ buckets: [...], fairShare: null });
 */
export function createMemoryStore(clock: Clock = monotonicClock): MemoryWindowStore {
  const logs = new Map<string, Log>();
  const active = new Map<string, Map<string, ActiveAgent>>();
  let sequence = 0;
  let takesSinceSweep = 0;

  /** The log at `key` with entries older than its window removed. */
  function pruned(key: string, windowMs: number, now: number): Log {
    let log = logs.get(key);
    if (!log) {
      log = { windowMs, times: [], members: [], head: 0 };
      logs.set(key, log);
    }
    log.windowMs = windowMs;
    while (log.head < log.times.length && log.times[log.head] <= now - windowMs) log.head++;
    if (log.head > 1024 && log.head * 2 > log.times.length) {
      log.times = log.times.slice(log.head);
      log.members = log.members.slice(log.head);
      log.head = 0;
    }
    return log;
  }

  function msBeforeNext(log: Log, now: number): number {
    return size(log) === 0 ? log.windowMs : log.times[log.head] + log.windowMs - now;
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
      if (size(log) === 0 || log.times[log.times.length - 1] <= now - log.windowMs) logs.delete(key);
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
      if (size(log) >= bucket.limit) {
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
      const others: { weight: number; used: number }[] = [];
      for (const [id, agent] of agents) {
        if (id === fair.agentId) continue;
        others.push({ weight: agent.weight, used: size(pruned(names.agentPrefix + id, fair.windowMs, now)) });
      }
      const verdict = decideShare(
        fair.budget,
        size(pool),
        { weight: fair.weight, used: size(mine) },
        others,
        fair.headroom,
      );
      if (!verdict.ok) {
        if (verdict.refusedBy === 'pool') return { ...verdict, msBeforeNext: msBeforeNext(pool, now) };
        return { ...verdict, msBeforeNext: msBeforeNext(mine, now) };
      }
      keys.push(fair.poolKey, names.agent);
    }
    // A counter, not the time: unique within this store, and cheap to make (float-to-string is not).
    const member = String(++sequence);
    for (const key of keys) append(key, now, member);
    return { ok: true, ticket: { member, keys } };
  }

  function release(ticket: Ticket): void {
    for (const key of ticket.keys) {
      const log = logs.get(key);
      // From the end: a ticket is released or restamped soon after its take, so only the calls taken
      // meanwhile stand behind it; a scan from the head would walk a whole window's log on every call.
      const at = log ? log.members.lastIndexOf(ticket.member) : -1;
      if (log && at >= log.head) {
        log.times.splice(at, 1);
        log.members.splice(at, 1);
      }
    }
  }

  /** `now` is the latest time in every log, so appending keeps each log in order. */
  function restamp(ticket: Ticket): void {
    const now = clock();
    release(ticket);
    for (const key of ticket.keys) append(key, now, ticket.member);
  }

  function mirror(plan: TakePlan): Ticket {
    const now = clock();
    const keys: string[] = [];
    for (const bucket of plan.buckets) {
      pruned(bucket.key, bucket.windowMs, now);
      keys.push(bucket.key);
    }
    const fair = plan.fairShare;
    if (fair) {
      const names = fairShareKeys(fair.poolKey, fair.agentId);
      pruned(fair.poolKey, fair.windowMs, now);
      pruned(names.agent, fair.windowMs, now);
      activeAgents(fair.poolKey, fair.windowMs, now).set(fair.agentId, {
        weight: fair.weight,
        lastSeen: now,
      });
      keys.push(fair.poolKey, names.agent);
    }
    const member = String(++sequence);
    for (const key of keys) append(key, now, member);
    return { member, keys };
  }

  return {
    mirror,
    count: (key, windowMs) => size(pruned(key, windowMs, clock())),
    take: async (plan) => take(plan),
    takeNow: take,
    release: async (ticket) => release(ticket),
    restamp: async (ticket) => restamp(ticket),
    close: async () => {
      logs.clear();
      active.clear();
    },
  };
}
