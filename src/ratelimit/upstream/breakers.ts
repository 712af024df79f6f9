import {
  type BreakerState,
  createUpstreamBreaker,
  type UpstreamBreaker,
  type UpstreamBreakerOptions,
} from './breaker.js';

/**
 * One circuit breaker per failure domain (a WorkOS product area): a bad minute in one area opens its
 * breaker alone, and calls to the others go on. Each breaker counts failures and probes by itself.
 * @example
 *   const breakers = createUpstreamBreakers({ onStateChange: (domain, state) => log.warn({ domain, state }) });
 *   const res = await breakers.execute('organizations', () => pool.request(opts));
 */
export interface UpstreamBreakers {
  /** Runs `fn` unless the breaker of `domain` is open (throws `UpstreamUnavailableError` naming it). */
  execute<T>(domain: string, fn: () => Promise<T>): Promise<T>;
  /** The state of one domain (`closed` for one never called). */
  state(domain: string): BreakerState;
  /** Every domain called so far and its state. */
  states(): ReadonlyMap<string, BreakerState>;
}

export interface UpstreamBreakersOptions extends Omit<UpstreamBreakerOptions, 'onStateChange' | 'domain'> {
  onStateChange?: (domain: string, state: BreakerState) => void;
}

/** Breakers are made on a domain's first call; domains are catalog areas, a bounded set. */
export function createUpstreamBreakers(options: UpstreamBreakersOptions = {}): UpstreamBreakers {
  const breakers = new Map<string, UpstreamBreaker>();
  const breakerOf = (domain: string) => {
    let breaker = breakers.get(domain);
    if (!breaker) {
      breaker = createUpstreamBreaker({
        ...options,
        domain,
        onStateChange: (state) => options.onStateChange?.(domain, state),
      });
      breakers.set(domain, breaker);
    }
    return breaker;
  };
  return {
    execute: (domain, fn) => breakerOf(domain).execute(fn),
    state: (domain) => breakers.get(domain)?.state() ?? 'closed',
    states: () => new Map([...breakers].map(([domain, breaker]) => [domain, breaker.state()])),
  };
}

/**
 * The upstream is unavailable as a whole only when every domain called so far has its breaker open: one
 * failing area must not take a replica out of the load balancer for the healthy ones.
 */
export function allDomainsOpen(states: ReadonlyMap<string, BreakerState>): boolean {
  if (states.size === 0) return false;
  for (const state of states.values()) if (state !== 'open') return false;
  return true;
}
