import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
} from 'cockatiel';
import { isUpstreamFailureError, isUpstreamFailureStatus } from './failure.js';

/** Thrown instead of calling WorkOS while the circuit is open: answer 503 `upstream_unavailable` with `Retry-After`. */
export class UpstreamUnavailableError extends Error {
  override readonly name = 'UpstreamUnavailableError';
  constructor(
    readonly retryAfterSeconds: number,
    /** The failure domain whose breaker is open (a WorkOS product area), when known. */
    readonly domain: string | null = null,
  ) {
    super(
      domain === null
        ? 'WorkOS is failing; the circuit breaker is open'
        : `WorkOS's ${domain} API is failing; its circuit breaker is open`,
    );
  }
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface UpstreamBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  threshold?: number;
  /** How long the circuit stays open before one probe call may go through. Default 5,000 ms. */
  halfOpenAfterMs?: number;
  /** Reads an HTTP status from a result (undici's `statusCode`, fetch's `status`). */
  statusOf?: (result: unknown) => number | undefined;
  /** Told each time the breaker opens, half-opens (a probe goes through) or closes again. */
  onStateChange?: (state: BreakerState) => void;
  /** Named in the 503 this breaker causes. */
  domain?: string;
}

/**
 * A circuit breaker around upstream calls.
 * @example
 * try { const res = await breaker.execute(() => pool.request(opts)); }
 * catch (e) { if (e instanceof UpstreamUnavailableError) reply503(e.retryAfterSeconds); else throw e; }
 */
export interface UpstreamBreaker {
  /** Runs `fn` unless the circuit is open; a failure (see failure.ts) is counted, a result returned as is. */
  execute<T>(fn: () => Promise<T>): Promise<T>;
  state(): BreakerState;
}

function defaultStatusOf(result: unknown): number | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const r = result as { statusCode?: unknown; status?: unknown };
  const status = r.statusCode ?? r.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Built on cockatiel's ConsecutiveBreaker. While a probe is in flight (half-open), other calls fail fast too
 * rather than queue behind it, as cockatiel would have them do.
 */
export function createUpstreamBreaker(options: UpstreamBreakerOptions = {}): UpstreamBreaker {
  const halfOpenAfterMs = options.halfOpenAfterMs ?? 5000; // 5 seconds
  const statusOf = options.statusOf ?? defaultStatusOf;
  const policy = circuitBreaker(
    handleWhen(isUpstreamFailureError).orWhenResult((result) => {
      const status = statusOf(result);
      return status !== undefined && isUpstreamFailureStatus(status);
    }),
    { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.threshold ?? 5) },
  );
  let openedAt = 0;
  policy.onBreak(() => {
    openedAt = Date.now();
    options.onStateChange?.('open');
  });
  policy.onHalfOpen(() => options.onStateChange?.('half_open'));
  policy.onReset(() => options.onStateChange?.('closed'));
  const domain = options.domain ?? null;

  const retryAfter = () => Math.max(1, Math.ceil((openedAt + halfOpenAfterMs - Date.now()) / 1000));

  return {
    async execute(fn) {
      if (policy.state === CircuitState.HalfOpen) throw new UpstreamUnavailableError(1, domain);
      try {
        return await policy.execute(fn);
      } catch (error) {
        if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
          throw new UpstreamUnavailableError(retryAfter(), domain);
        }
        throw error;
      }
    },
    state() {
      if (policy.state === CircuitState.Closed) return 'closed';
      return policy.state === CircuitState.HalfOpen ? 'half_open' : 'open';
    },
  };
}
