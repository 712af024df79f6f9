import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CatalogEndpoint, RateLimitRule } from '../catalog/types.js';

/**
 * One call the gateway is about to forward, with what the limiter needs to find its buckets.
 * @example { endpoint, params: { id: 'directory_01' }, query, body: undefined, agentId: 'agt_1', agentWeight: 1 }
 */
export interface LimitRequest {
  endpoint: CatalogEndpoint;
  /** Path parameters, query and parsed body: where scope keys (directory id, email…) are read from. */
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** Scope values Bollard looked up for rules whose key the request lacks, by rule id (a group's directory). */
  resolvedKeys?: Readonly<Record<string, string>>;
  /** The calling agent, or null for an anonymous endpoint (JWKS, browser redirects). */
  agentId: string | null;
  /** The agent's weight in the fair split of the general budget; 1 when unset. */
  agentWeight: number;
  agentQuota?: AgentQuota | null;
}

/** Bollard's own per-agent quotas, on top of WorkOS's limits. */
export interface AgentQuota {
  perMinute?: number;
  perDay?: number;
}

export type LimitReason = 'workos_limit' | 'fair_share' | 'agent_quota';

/** A refusal says which limit and which scope value refused, so the 429 body and the audit record can name it. */
export interface LimitRefusal {
  allow: false;
  /** Whole seconds, at least 1, until the refusing bucket has room again. */
  retryAfterSeconds: number;
  /** Milliseconds until the refusing bucket has room again (what `retryAfterSeconds` rounds up). */
  retryAfterMs: number;
  /** The catalog rule id (`directory_sync.users`), `general`, or `quota.per_minute` / `quota.per_day`. */
  rule: string;
  /** The rule's scope (`directory`, `email`…), `agent` for fair shares and quotas. */
  scope: string;
  /** The scope value the bucket was keyed by (directory id, lower-cased email…), null when keyed by the rule alone. */
  scopeValue: string | null;
  limit: number;
  windowSeconds: number;
  reason: LimitReason;
}

/**
 * `release` gives the call's budget back; the gateway calls it when an allowed call is not forwarded after all
 * (the audit store refused it, the breaker is open), so calls that never reach WorkOS do not eat the budget.
 */
export type LimitDecision =
  | {
      allow: true;
      release?: () => Promise<void>;
      /** Called as the call is sent upstream: its entries count from then, as WorkOS counts on arrival. */
      sent?: () => Promise<void>;
    }
  | LimitRefusal;

export interface LimiterStatus {
  backend: 'memory' | 'redis';
  /** True while Redis is unreachable and local limits scaled to `processShare` are enforced instead. */
  degraded: boolean;
  degradedSince: Date | null;
  /** Short description of the last backend error (no URL, no credentials). */
  lastError: string | null;
}

/**
 * The limiter's one job: decide, before forwarding, whether a call fits every WorkOS limit, the agent's fair
 * share and its quotas, and consume from all of them at once.
 */
export interface GatewayLimiter {
  check(req: LimitRequest): Promise<LimitDecision>;
  /**
   * The same check answered synchronously — present only when the backend can (memory); with Redis it is
   * absent and calls take the full pipeline. Same buckets, same result, same effect as `check`.
   */
  checkNow?(req: LimitRequest): LimitDecision;
  status(): LimiterStatus;
  close(): Promise<void>;
}

export type LimiterBackendOptions =
  | { backend: 'memory' }
  | {
      backend: 'redis';
      url: string;
      /** Prefix of every Redis key; give each deployment (and each test) its own. */
      keyPrefix?: string;
      /** This process's share of the limits while Redis is unreachable: 1 / number of Bollard processes. */
      processShare?: number;
      /** `url` lists a Redis Cluster's seed nodes (`redis://h1:p1,h2:p2`). */
      cluster?: boolean;
    };

export interface LimiterPolicy {
  /** Fraction of the general budget kept for traffic that does not pass through Bollard. Default 0.1. */
  reserveFraction?: number;
  /** WorkOS's overall limit; default 6,000 requests / 60 s. `null` switches the general budget off. */
  generalLimit?: RateLimitRule | null;
  /**
   * Extra time added to every window, in ms. Default 100. Bollard counts when it forwards, WorkOS when the
   * request arrives; the guard absorbs the difference so a call at the very edge of a window is not counted
   * in WorkOS's previous one.
   */
  windowGuardMs?: number;
  /**
   * Fraction of the budget a borrowing agent must leave free for agents that have not called in the current
   * window, so an agent that was idle is not starved by a flood that started first. Default 0.1.
   */
  newcomerFraction?: number;
  logger?: Logger;
  /** Where the `bollard_ratelimit_degraded` gauge is registered; none when absent. */
  metricsRegistry?: Registry;
}
