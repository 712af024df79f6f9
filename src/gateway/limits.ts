import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import type { GatewayLimiter, LimitDecision, LimitRefusal, LimitRequest } from '../ratelimit/index.js';
import type { KeyResolver } from './resolve-keys.js';

/** A refusal from the limiter, as the pipeline answers and records it. */
export interface LimitDenial {
  error: BollardError;
  reason: string;
  rule: string;
}

/** The limiter's answer: a denial, or a pass with a way to give the budget back if the call is not forwarded. */
export type LimitOutcome =
  | { denial: LimitDenial; release?: undefined }
  | { denial: null; release: () => Promise<void>; sent: () => Promise<void> };

export interface LimitWait {
  /** Longest a call may wait inside Bollard for a WorkOS limit to have room. */
  maxWaitMs: number;
  /** Aborted when the client goes away: stop waiting for it. */
  signal: AbortSignal;
  now(): number;
  /** Subscribes to changes of agents, grants and tokens; a change wakes a parked call at once. */
  subscribe?(listener: () => void): () => void;
  /** Authenticates and authorizes the call again; a denial ends the wait. */
  recheck?(): Promise<LimitDenial | null>;
  /** Looks up scope values the request does not name (a group's directory). */
  keyResolver?: KeyResolver;
  /** Told when the call starts (+1) and stops (-1) waiting, for the waiting-calls gauge. */
  waiting?: (delta: 1 | -1) => void;
}

const NOTHING = async () => undefined;

/** The pass a limiter's yes stands for. */
export function passed(
  decision: Extract<LimitDecision, { allow: true }>,
): Extract<LimitOutcome, { denial: null }> {
  return { denial: null, release: decision.release ?? NOTHING, sent: decision.sent ?? NOTHING };
}

/**
 * Asks the limiter whether the call fits WorkOS's limits, the agent's fair share and its quotas.
 * A call over a WorkOS limit waits (up to `maxWaitMs`) for room rather than being refused at once: the
 * SDK retries a 429 only three times, so 100 calls at a 4-per-second limit would mostly fail if each got
 * a 429 with `Retry-After: 1`. Shaping them here lets every one through at the rate WorkOS allows.
 * Fair-share and quota refusals are answered at once — they exist to push a busy agent back.
 */
export async function checkLimits(
  limiter: Pick<GatewayLimiter, 'check'>,
  request: LimitRequest,
  endpoint: CatalogEndpoint,
  wait: LimitWait,
): Promise<LimitOutcome> {
  if (wait.keyResolver) request.resolvedKeys = await wait.keyResolver.resolve(endpoint, request);
  const deadline = wait.now() + wait.maxWaitMs;
  // Subscribed before the first check, so a change that lands while the limiter is asked is not missed.
  let changes = 0;
  let waited = false;
  let wake: (() => void) | null = null;
  const unsubscribe = wait.subscribe?.(() => {
    changes++;
    wake?.();
  });
  try {
    for (;;) {
      const decision = await limiter.check(request);
      if (decision.allow) return passed(decision);
      // A little jitter so the waiters of one bucket do not all wake in the same millisecond.
      const pause = decision.retryAfterMs + 5 + Math.floor(Math.random() * 45);
      if (decision.reason !== 'workos_limit' || wait.signal.aborted || wait.now() + pause > deadline) {
        return {
          denial: {
            error: refusalError(decision),
            reason: decision.reason,
            rule: `ratelimit:${decision.rule}`,
          },
        };
      }
      const seen = changes;
      if (!waited) wait.waiting?.(1);
      waited = true;
      await park(pause, wait.signal, (resume) => {
        wake = changes === seen ? resume : null;
        if (!wake) resume();
      });
      wake = null;
      // Grants and revocations change while a call is parked: what was allowed before the wait may not be now.
      const denial = await wait.recheck?.();
      if (denial) return { denial };
    }
  } finally {
    unsubscribe?.();
    if (waited) wait.waiting?.(-1);
  }
}

/** Sleeps `ms`, or less: until the client goes away or `arm`'s resume is called (a credential change). */
function park(ms: number, signal: AbortSignal, arm: (resume: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const resume = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', resume);
      resolve();
    };
    const timer = setTimeout(resume, ms);
    signal.addEventListener('abort', resume, { once: true });
    arm(resume);
  });
}

function refusalError(refusal: LimitRefusal): BollardError {
  const per = refusal.scopeValue ? `${refusal.scope} ${refusal.scopeValue}` : refusal.scope;
  const what =
    refusal.reason === 'workos_limit'
      ? `WorkOS allows ${refusal.limit} requests / ${refusal.windowSeconds} s per ${per} here`
      : refusal.reason === 'fair_share'
        ? "this agent has used its share of the WorkOS budget and the others' is not idle"
        : `this agent's quota of ${refusal.limit} requests / ${refusal.windowSeconds} s is used up`;
  return new BollardError(
    'rate_limit_exceeded',
    `Slow down: ${what}. Retry after ${refusal.retryAfterSeconds} s.`,
    {
      limit: refusal.limit,
      window_seconds: refusal.windowSeconds,
      scope: refusal.scope,
      scope_value: refusal.scopeValue,
      rule: refusal.rule,
      reason: refusal.reason,
      retry_after: refusal.retryAfterSeconds,
    },
  );
}
