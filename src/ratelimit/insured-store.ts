import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { createMemoryStore } from './memory-store.js';
import type { LocalEntry, RedisWindowStore } from './redis-store.js';
import type { TakePlan, TakeResult, Ticket, WindowStore } from './window-store.js';

export interface DegradedState {
  degraded: boolean;
  since: Date | null;
  lastError: string | null;
}

/** A window store that never stops limiting, and can say whether it is on its fallback. */
export interface InsuredStore extends WindowStore {
  state(): DegradedState;
}

/**
 * Limits scaled to this process's share: with N processes each keeping `limit / N` locally, together they
 * still stay within the limit while Redis is away. A limit never drops below 1, so a scope is never shut.
 */
export function scalePlan(plan: TakePlan, share: number): TakePlan {
  const scale = (limit: number) => Math.max(1, Math.floor(limit * share));
  return {
    buckets: plan.buckets.map((b) => ({ ...b, limit: scale(b.limit) })),
    fairShare: plan.fairShare && { ...plan.fairShare, budget: scale(plan.fairShare.budget) },
  };
}

/** What this process last saw of a shared log: its count after our take, and how many of those were ours. */
interface Sighting {
  others: number;
  until: number;
}

/**
 * The plan a replica enforces locally while Redis is away, warm: each limit is at most its process share,
 * and at most what the others were last seen using is left of it, for one window after that sighting (their
 * entries may be that recent). Own takes made through Redis were mirrored locally, so they count too.
 */
export function warmPlan(plan: TakePlan, share: number, othersIn: (key: string) => number): TakePlan {
  const scaled = scalePlan(plan, share);
  return {
    buckets: scaled.buckets.map((b, i) => ({
      ...b,
      limit: Math.max(0, Math.min(b.limit, (plan.buckets[i]?.limit ?? b.limit) - othersIn(b.key))),
    })),
    fairShare: scaled.fairShare && {
      ...scaled.fairShare,
      budget: Math.max(
        0,
        Math.min(scaled.fairShare.budget, (plan.fairShare?.budget ?? 0) - othersIn(scaled.fairShare.poolKey)),
      ),
    },
  };
}

/** Error text fit for a log line: the code or message only, never the connection URL. */
function describe(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message.slice(0, 200);
  return 'unknown error';
}

/**
 * Redis first; while Redis cannot answer, a local memory store with limits scaled to `processShare`, warm:
 * every take made through Redis was mirrored into it, and what the other replicas were last seen using is
 * held back for a window, so a cut does not start from an empty log. When Redis is back, the takes made
 * locally meanwhile are added to the shared logs. The switch is logged once each way and shown by the
 * `bollard_ratelimit_degraded` gauge.
 */
export function createInsuredStore(
  primary: RedisWindowStore,
  options: { processShare: number; logger: Logger; registry?: Registry; now?: () => number },
): InsuredStore {
  const now = options.now ?? Date.now;
  const insurance = createMemoryStore();
  const insuranceTickets = new WeakSet<Ticket>();
  /** Primary tickets and the local copies of their entries (released and restamped together). */
  const mirrors = new WeakMap<Ticket, Ticket>();
  const sightings = new Map<string, Sighting>();
  /** Takes made locally during an outage, told to Redis when it is back so the others count them. */
  let localEntries: Array<LocalEntry & { ticket: Ticket; until: number }> = [];
  const state: DegradedState = { degraded: false, since: null, lastError: null };
  const gauge = options.registry
    ? new Gauge({
        name: 'bollard_ratelimit_degraded',
        help: '1 while Redis is unreachable and limits are enforced locally at this process share',
        registers: [options.registry],
      })
    : null;
  gauge?.set(0);

  function degrade(reason: string): void {
    state.lastError = reason;
    if (state.degraded) return;
    state.degraded = true;
    state.since = new Date();
    gauge?.set(1);
    options.logger.warn(
      { reason, processShare: options.processShare },
      'Redis (shared rate-limit store) unreachable: enforcing local limits scaled to this process share, counting the takes seen before',
    );
  }

  async function recover(): Promise<void> {
    if (!state.degraded) return;
    state.degraded = false;
    state.since = null;
    gauge?.set(0);
    const at = now();
    const pending = localEntries.filter((entry) => entry.until > at);
    localEntries = [];
    await primary
      .reconcile(pending)
      .catch((error: unknown) =>
        options.logger.warn({ reason: describe(error) }, 'reconciling local takes failed'),
      );
    options.logger.info(
      { reconciled: pending.length },
      'Redis (shared rate-limit store) reachable again: shared limits restored, local takes added to them',
    );
  }

  /** Mirrors a shared take locally and notes what the others were using. */
  function remember(plan: TakePlan, ticket: Ticket, shared: readonly number[] | undefined): void {
    mirrors.set(ticket, insurance.mirror(plan));
    if (!shared) return;
    const at = now();
    const note = (key: string, windowMs: number, count: number | undefined) => {
      if (count === undefined) return;
      const others = Math.max(0, count - insurance.count(key, windowMs));
      sightings.set(key, { others, until: at + windowMs });
    };
    for (const [i, b] of plan.buckets.entries()) note(b.key, b.windowMs, shared[i]);
    if (plan.fairShare) note(plan.fairShare.poolKey, plan.fairShare.windowMs, shared[plan.buckets.length]);
    if (sightings.size > MAX_SIGHTINGS) {
      for (const [key, sighting] of sightings) if (sighting.until <= at) sightings.delete(key);
    }
  }

  function othersIn(key: string): number {
    const sighting = sightings.get(key);
    return sighting && sighting.until > now() ? sighting.others : 0;
  }

  async function takeLocally(plan: TakePlan): Promise<TakeResult> {
    const result = await insurance.take(warmPlan(plan, options.processShare, othersIn));
    if (result.ok) {
      insuranceTickets.add(result.ticket);
      const windows = [...plan.buckets.map((b) => b.windowMs)];
      if (plan.fairShare) windows.push(plan.fairShare.windowMs, plan.fairShare.windowMs);
      if (localEntries.length < MAX_LOCAL_ENTRIES)
        localEntries.push({
          ticket: result.ticket,
          keys: result.ticket.keys,
          windowMs: windows,
          member: result.ticket.member,
          at: now(),
          until: now() + Math.max(0, ...windows),
        });
    }
    return result;
  }

  return {
    async take(plan) {
      if (!(await primary.ready())) {
        degrade('not connected');
        return takeLocally(plan);
      }
      try {
        const result = await primary.take(plan);
        await recover();
        if (result.ok) remember(plan, result.ticket, result.shared);
        return result;
      } catch (error) {
        degrade(describe(error));
        return takeLocally(plan);
      }
    },
    async release(ticket) {
      if (insuranceTickets.has(ticket)) {
        localEntries = localEntries.filter((entry) => entry.ticket !== ticket);
        return insurance.release(ticket);
      }
      const mirror = mirrors.get(ticket);
      if (mirror) await insurance.release(mirror);
      // Best effort: a lost release only leaves one entry to expire with its window.
      await primary.release(ticket).catch((error: unknown) => degrade(describe(error)));
    },
    state: () => ({ ...state }),
    async restamp(ticket) {
      if (insuranceTickets.has(ticket)) return insurance.restamp(ticket);
      const mirror = mirrors.get(ticket);
      if (mirror) await insurance.restamp(mirror);
      await primary.restamp(ticket).catch((error: unknown) => degrade(describe(error)));
    },
    async close() {
      await Promise.all([primary.close(), insurance.close()]);
    },
  };
}

/** Shared logs whose last sighting is kept (scope keys such as one email's come and go). */
const MAX_SIGHTINGS = 10_000;
/** Local takes kept for reconciling; past it, the oldest outage takes are simply not told to Redis. */
const MAX_LOCAL_ENTRIES = 100_000;
