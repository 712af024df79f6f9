import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import type { GatewayLimiter, LimitRefusal } from '../ratelimit/index.js';
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
  | { denial: null; release: () => Promise<void> };

const NOTHING_TO_RELEASE = async () => undefined;

/**
 * Asks the limiter whether the call fits WorkOS's limits, the agent's fair share and its quotas.
 * A refusal becomes 429 `rate_limit_exceeded` with `Retry-After` and a body naming the limit and scope.
 */
export async function checkLimits(
  limiter: Pick<GatewayLimiter, 'check'>,
  facts: CallFacts,
  endpoint: CatalogEndpoint,
  body: unknown,
): Promise<LimitOutcome> {
  const decision = await limiter.check({
    endpoint,
    params: { ...facts.params },
    query: facts.query ?? new URLSearchParams(),
    body,
    agentId: facts.agent?.id ?? null,
    agentWeight: facts.agent?.weight ?? 1,
    agentQuota: facts.agent?.quota ?? null,
  });
  if (decision.allow) return { denial: null, release: decision.release ?? NOTHING_TO_RELEASE };
  return {
    denial: { error: refusalError(decision), reason: decision.reason, rule: `ratelimit:${decision.rule}` },
  };
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
