import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { createMemoryStore } from './memory-store.js';
import type { RedisWindowStore } from './redis-store.js';
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

/** Error text fit for a log line: the code or message only, never the connection URL. */
function describe(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message.slice(0, 200);
  return 'unknown error';
}

/**
 * Redis first; while Redis cannot answer, a local memory store with limits scaled to `processShare`.
 * The switch is logged once each way and shown by the `bollard_ratelimit_degraded` gauge.
 */
export function createInsuredStore(
  primary: RedisWindowStore,
  options: { processShare: number; logger: Logger; registry?: Registry },
): InsuredStore {
  const insurance = createMemoryStore();
  const insuranceTickets = new WeakSet<Ticket>();
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
      'Redis (shared rate-limit store) unreachable: enforcing local limits scaled to this process share',
    );
  }

  function recover(): void {
    if (!state.degraded) return;
    state.degraded = false;
    state.since = null;
    gauge?.set(0);
    options.logger.info('Redis (shared rate-limit store) reachable again: shared limits restored');
  }

  async function takeLocally(plan: TakePlan): Promise<TakeResult> {
    const result = await insurance.take(scalePlan(plan, options.processShare));
    if (result.ok) insuranceTickets.add(result.ticket);
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
        recover();
        return result;
      } catch (error) {
        degrade(describe(error));
        return takeLocally(plan);
      }
    },
    async release(ticket) {
      if (insuranceTickets.has(ticket)) return insurance.release(ticket);
      // Best effort: a lost release only leaves one entry to expire with its window.
      await primary.release(ticket).catch((error: unknown) => degrade(describe(error)));
    },
    state: () => ({ ...state }),
    async restamp(ticket) {
      if (insuranceTickets.has(ticket)) return insurance.restamp(ticket);
      await primary.restamp(ticket).catch((error: unknown) => degrade(describe(error)));
    },
    async close() {
      await Promise.all([primary.close(), insurance.close()]);
    },
  };
}
