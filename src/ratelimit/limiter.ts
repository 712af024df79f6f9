import { pino } from 'pino';
import { createInsuredStore, type InsuredStore } from './insured-store.js';
import { createMemoryStore } from './memory-store.js';
import { type BucketLabel, DEFAULT_GENERAL_LIMIT, type PlanSettings, planCall } from './plan.js';
import { createRedisStore } from './redis-store.js';
import type {
  GatewayLimiter,
  LimitDecision,
  LimiterBackendOptions,
  LimiterPolicy,
  LimiterStatus,
  LimitRefusal,
  LimitRequest,
} from './types.js';
import type { TakeRefusal, TakeResult, WindowStore } from './window-store.js';

/** `Retry-After` is whole seconds (RFC 9110 §10.2.3); round up so a client never comes back too early. */
export function retryAfterSeconds(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

function refusal(
  label: BucketLabel,
  msBeforeNext: number,
  overrides: Partial<LimitRefusal> = {},
): LimitRefusal {
  return {
    allow: false,
    retryAfterSeconds: retryAfterSeconds(msBeforeNext),
    retryAfterMs: Math.max(0, msBeforeNext),
    ...label,
    ...overrides,
  };
}

function explain(result: TakeRefusal, labels: BucketLabel[], general: BucketLabel | null, agent: string) {
  if (result.refusedBy === 'bucket') return refusal(labels[result.index], result.msBeforeNext);
  if (!general) throw new Error('fair-share refusal without a general budget');
  if (result.refusedBy === 'pool') return refusal(general, result.msBeforeNext);
  return refusal(general, result.msBeforeNext, {
    reason: 'fair_share',
    scope: 'agent',
    scopeValue: agent,
    limit: Math.floor(result.share),
  });
}

/**
 * The limiter the gateway calls before forwarding.
 * @example
 * const limiter = createGatewayLimiter({ backend: 'redis', url: 'redis://127.0.0.1:6379' }, { reserveFraction: 0.1 });
 * const decision = await limiter.check({ endpoint, params, query, body, agentId: 'agt_1', agentWeight: 1 });
 * if (!decision.allow) reply429(decision.retryAfterSeconds, decision.rule, decision.scope);
 */
export function createGatewayLimiter(
  options: LimiterBackendOptions,
  policy: LimiterPolicy = {},
): GatewayLimiter {
  const settings: PlanSettings = {
    generalLimit: policy.generalLimit === undefined ? DEFAULT_GENERAL_LIMIT : policy.generalLimit,
    reserveFraction: policy.reserveFraction ?? 0.1,
    windowGuardMs: policy.windowGuardMs ?? 100, // 100 ms
    newcomerFraction: policy.newcomerFraction ?? 0.1,
  };
  if (!(settings.reserveFraction >= 0 && settings.reserveFraction < 1)) {
    throw new RangeError('reserveFraction must be in [0, 1)');
  }
  let store: WindowStore;
  let insured: InsuredStore | null = null;
  if (options.backend === 'memory') {
    store = createMemoryStore();
  } else {
    const processShare = options.processShare ?? 1;
    if (!(processShare > 0 && processShare <= 1)) throw new RangeError('processShare must be in (0, 1]');
    insured = createInsuredStore(
      createRedisStore({
        url: options.url,
        keyPrefix: options.keyPrefix ?? 'bollard:rl:',
        cluster: options.cluster,
      }),
      {
        processShare,
        logger: policy.logger ?? pino({ name: 'bollard-ratelimit' }),
        registry: policy.metricsRegistry,
      },
    );
    store = insured;
  }

  function decided(result: TakeResult, planned: ReturnType<typeof planCall>): LimitDecision {
    const { plan, labels, general } = planned;
    if (!result.ok) return explain(result, labels, general, plan.fairShare?.agentId ?? '');
    const { ticket } = result;
    return { allow: true, release: () => store.release(ticket), sent: () => store.restamp(ticket) };
  }

  async function check(req: LimitRequest): Promise<LimitDecision> {
    const planned = planCall(req, settings);
    return decided(await store.take(planned.plan), planned);
  }

  const takeNow = store.takeNow?.bind(store);
  const checkNow = takeNow
    ? (req: LimitRequest): LimitDecision => {
        const planned = planCall(req, settings);
        return decided(takeNow(planned.plan), planned);
      }
    : undefined;

  function status(): LimiterStatus {
    if (!insured) return { backend: 'memory', degraded: false, degradedSince: null, lastError: null };
    const state = insured.state();
    return {
      backend: 'redis',
      degraded: state.degraded,
      degradedSince: state.since,
      lastError: state.lastError,
    };
  }

  return { check, ...(checkNow ? { checkNow } : {}), status, close: () => store.close() };
}
