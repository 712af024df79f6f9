/**
 * The storage side of the limiter. Every bucket is a sliding log: a call counts for exactly `windowMs` after
 * it was taken, so no interval of `windowMs` ever holds more than `limit` calls, whatever way WorkOS aligns
 * its own windows. (A fixed window, as counted by rate-limiter-flexible, lets 2 × limit through across a
 * window boundary, which would trip WorkOS's per-second directory limit.)
 *
 * A take is all-or-nothing: every bucket is checked first and entries are added only when all have room, so
 * a refused call consumes nothing. The memory store is atomic because it is synchronous; the Redis store runs
 * the same steps in one Lua script.
 */

/** One bucket a call must fit in. */
export interface WindowBucket {
  key: string;
  limit: number;
  windowMs: number;
}

/**
 * The general budget, shared fairly among the agents that called in the last window. Design:
 * - an agent is *active* when it reached this stage in the last window (allowed or refused: a refused agent
 *   still claims its share, or a flooding agent that filled the pool while it was idle would keep it forever);
 * - its guaranteed share is `budget × weight / Σ weights of active agents`;
 * - a call within the guaranteed share passes while the pool has room;
 * - a call beyond it borrows: it passes only if `used + 1 + Σ (what other active agents are still owed)`
 *   stays within the budget, so idle capacity is lent but never what others are owed;
 * - shares and loans are cut from the budget less a `headroom`, which only the first calls of an agent that
 *   was idle (so not yet active, so owed nothing) can use: without it a flood that started first would hold
 *   the whole pool and starve the newcomer for a window. A lone agent thus gets the budget less the headroom.
 */
export interface FairShareTake {
  poolKey: string;
  budget: number;
  windowMs: number;
  agentId: string;
  weight: number;
  /** Calls of the pool a borrower must leave free for agents that are not active yet. */
  headroom: number;
}

export interface TakePlan {
  buckets: WindowBucket[];
  fairShare: FairShareTake | null;
}

/** Which bucket refused: an index into `plan.buckets`, or the fair-share stage. */
export type TakeRefusal =
  | { ok: false; refusedBy: 'bucket'; index: number; msBeforeNext: number }
  | { ok: false; refusedBy: 'pool'; msBeforeNext: number }
  | { ok: false; refusedBy: 'share'; share: number; msBeforeNext: number };

/** What a successful take added, so `release` can remove exactly those entries. */
export interface Ticket {
  member: string;
  keys: string[];
}

export type TakeResult =
  | {
      ok: true;
      ticket: Ticket;
      /** A shared store's count after the take, per bucket then the pool (for a warm fallback). */
      shared?: number[];
    }
  | TakeRefusal;

/**
 * A sliding-log store.
 * @example const r = await store.take({ buckets: [{ key: 'd:1', limit: 4, windowMs: 1000 }], fairShare: null });
 */
export interface WindowStore {
  take(plan: TakePlan): Promise<TakeResult>;
  /** The same take answered synchronously, where the store can (memory); absent where it waits on I/O. */
  takeNow?(plan: TakePlan): TakeResult;
  release(ticket: Ticket): Promise<void>;
  /**
   * Moves the ticket's entries to now. Called as the call is sent: WorkOS counts a call when it arrives,
   * and the write-ahead audit stands between the take and the send, so counting from the take would let
   * a waiting call in up to that delay early.
   */
  restamp(ticket: Ticket): Promise<void>;
  close(): Promise<void>;
}

/** Keys the fair-share stage uses besides the pool itself; both stores name them the same way. */
export function fairShareKeys(poolKey: string, agentId: string) {
  return {
    active: `${poolKey}:active`,
    weights: `${poolKey}:weights`,
    agentPrefix: `${poolKey}:agent:`,
    agent: `${poolKey}:agent:${agentId}`,
  };
}

/**
 * The fair-share rule as a pure function (the Lua script mirrors it).
 * `others` are the other active agents, with their weights and their use in the current window.
 */
export function decideShare(
  budget: number,
  poolUsed: number,
  me: { weight: number; used: number },
  others: readonly { weight: number; used: number }[],
  headroom = 0,
): { ok: true } | { ok: false; refusedBy: 'pool' } | { ok: false; refusedBy: 'share'; share: number } {
  if (poolUsed >= budget) return { ok: false, refusedBy: 'pool' };
  // Shares and loans come out of the budget less the headroom; only the full budget bounds the pool.
  const lendable = Math.max(1, budget - headroom);
  const totalWeight = others.reduce((sum, o) => sum + o.weight, me.weight);
  const share = (lendable * me.weight) / totalWeight;
  if (me.used + 1 <= share) return { ok: true };
  let owed = 0;
  for (const o of others) owed += Math.max(0, (lendable * o.weight) / totalWeight - o.used);
  if (poolUsed + 1 + owed <= lendable) return { ok: true };
  return { ok: false, refusedBy: 'share', share };
}
