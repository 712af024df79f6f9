import { setTimeout as sleep } from 'node:timers/promises';
import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import type { GatewayLimiter, LimitRefusal, LimitRequest } from '../ratelimit/index.js';
import type { CallFacts } from './audit-entry.js';

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
}

const NOTHING = async () => undefined;

/**
 * Asks the limiter whether the call fits WorkOS's limits, the agent's fair share and its quotas.
 * A call over a WorkOS limit waits (up to `maxWaitMs`) for room rather than being refused at once: the
 * SDK retries a 429 only three times, so 100 calls at a 4-per-second limit would mostly fail if each got
 * a 429 with `Retry-After: 1`. Shaping them here lets every one through at the rate WorkOS allows.
 * Fair-share and quota refusals are answered at once — they exist to push a busy agent back.
 */
export async function checkLimits(
  limiter: Pick<GatewayLimiter, 'check'>,
  facts: CallFacts,
  endpoint: CatalogEndpoint,
  body: unknown,
  wait: LimitWait,
): Promise<LimitOutcome> {
  const request: LimitRequest = {
    endpoint,
    params: { ...facts.params },
    query: facts.query ?? new URLSearchParams(),
    body,
    agentId: facts.agent?.id ?? null,
    agentWeight: facts.agent?.weight ?? 1,
    agentQuota: facts.agent?.quota ?? null,
  };
  const deadline = wait.now() + wait.maxWaitMs;
  for (;;) {
    const decision = await limiter.check(request);
    if (decision.allow) {
      return { denial: null, release: decision.release ?? NOTHING, sent: decision.sent ?? NOTHING };
    }
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
    await sleep(pause, undefined, { signal: wait.signal }).catch(() => undefined);
  }
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
