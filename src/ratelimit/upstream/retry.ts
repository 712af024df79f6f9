import { isConnectError } from './failure.js';

/** Default `Retry-After` when WorkOS sends none: the SDK's own first backoff is ≈1.1 s (REFERENCE.md §4.3). */
const FALLBACK_429_SECONDS = 1;
const FALLBACK_5XX_SECONDS = 2;

/** RFC 9110 §10.2.3: `Retry-After` is delay-seconds (digits) or an HTTP-date. */
function isValidRetryAfter(value: string): boolean {
  if (/^\d+$/.test(value)) return true;
  return /[A-Za-z]/.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * The `Retry-After` to send back with an upstream 429 or 5xx, or null for statuses that get none.
 * WorkOS's own value is kept as it is; otherwise Bollard gives one, so the SDK waits instead of hammering.
 * @example retryAfterFor(429, '7') // '7'
 * @example retryAfterFor(503, undefined) // '2'
 */
export function retryAfterFor(
  status: number,
  upstreamHeader: string | string[] | undefined | null,
): string | null {
  if (status !== 429 && (status < 500 || status > 599)) return null;
  const value = (Array.isArray(upstreamHeader) ? upstreamHeader[0] : upstreamHeader)?.trim();
  if (value && isValidRetryAfter(value)) return value;
  return String(status === 429 ? FALLBACK_429_SECONDS : FALLBACK_5XX_SECONDS);
}

export interface RetryAttempt {
  /** 1 for the first attempt that failed. */
  attempt: number;
  /** Time spent on the call so far. */
  elapsedMs: number;
  /** Time allowed for the whole call including the retry. Default 1,000 ms. */
  budgetMs?: number;
}

/**
 * Whether Bollard may retry a failed upstream call itself: only once, only inside a small time budget, and only
 * when the connection failed before a single byte was sent — so WorkOS cannot have seen the request, and the SDK's
 * own retries (which Bollard must not multiply) are not involved. The retry reuses the same Idempotency-Key.
 * @example shouldRetryOnce(econnrefused, 0, { attempt: 1, elapsedMs: 3 }) // true
 */
export function shouldRetryOnce(
  error: unknown,
  bytesSent: number,
  attempt: RetryAttempt = { attempt: 1, elapsedMs: 0 },
) {
  if (attempt.attempt !== 1 || bytesSent !== 0) return false;
  if (attempt.elapsedMs >= (attempt.budgetMs ?? 1000)) return false;
  return isConnectError(error);
}
