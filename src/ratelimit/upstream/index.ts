/** Upstream resilience: circuit breakers per failure domain, Retry-After on passed-back errors, and the one allowed retry. */
export {
  type BreakerState,
  createUpstreamBreaker,
  type UpstreamBreaker,
  type UpstreamBreakerOptions,
  UpstreamUnavailableError,
} from './breaker.js';
export {
  allDomainsOpen,
  createUpstreamBreakers,
  type UpstreamBreakers,
  type UpstreamBreakersOptions,
} from './breakers.js';
export { errorCode, isConnectError, isUpstreamFailureError, isUpstreamFailureStatus } from './failure.js';
export { type RetryAttempt, retryAfterFor, shouldRetryOnce } from './retry.js';
