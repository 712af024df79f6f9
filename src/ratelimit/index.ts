/** Rate limiting before forwarding (WorkOS limits, fair shares, quotas) and upstream resilience. */
export { createGatewayLimiter, retryAfterSeconds } from './limiter.js';
export { ANONYMOUS_AGENT, DEFAULT_GENERAL_LIMIT, scopeValueFor } from './plan.js';
export type {
  AgentQuota,
  GatewayLimiter,
  LimitDecision,
  LimiterBackendOptions,
  LimiterPolicy,
  LimiterStatus,
  LimitReason,
  LimitRefusal,
  LimitRequest,
} from './types.js';
export * from './upstream/index.js';
