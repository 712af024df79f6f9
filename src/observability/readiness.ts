/** What `/readyz` reports: ready only when every check passes. */
export interface ReadinessReport {
  ready: boolean;
  checks: { store: boolean; upstream: boolean; policy: boolean };
  /** Set while the process drains before it stops: not ready, whatever the checks say. */
  draining?: true;
}

export interface ReadinessSources {
  /** Rejects unless an audit record could be written now (see `Store.checkAuditWritable`). */
  checkStore(): Promise<void>;
  /** The upstream circuit breaker's state: not ready while it is open. */
  breakerState(): 'closed' | 'open' | 'half_open';
  /** False until the policy file (when one is configured) has been applied. */
  policyLoaded(): boolean;
  /** True once the process has begun to drain (SIGTERM): it is never ready again. */
  draining?: () => boolean;
  /** How long a store check's answer is reused (default 1,000 ms). */
  cacheMs?: number;
  now?: () => number;
}

export interface Readiness {
  check(): Promise<ReadinessReport>;
}

/**
 * Readiness for load balancers. The store check appends and rolls back a probe record, so it fails the
 * way a call's write-ahead would; its answer is cached for `cacheMs` and concurrent probes share one
 * check, so a probe loop costs at most one rolled-back write per interval and no audit record ever.
 * @example
 *   const readiness = createReadiness({ checkStore: () => store.checkAuditWritable(), breakerState, policyLoaded });
 *   const { ready } = await readiness.check();
 */
export function createReadiness(sources: ReadinessSources): Readiness {
  const cacheMs = sources.cacheMs ?? 1000; // 1 second
  const now = sources.now ?? Date.now;
  let storeOk = true;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<boolean> | null = null;

  function storeWritable(): Promise<boolean> {
    if (now() - checkedAt < cacheMs) return Promise.resolve(storeOk);
    inFlight ??= sources
      .checkStore()
      .then(
        () => true,
        () => false,
      )
      .then((ok) => {
        storeOk = ok;
        checkedAt = now();
        inFlight = null;
        return ok;
      });
    return inFlight;
  }

  return {
    async check() {
      const checks = {
        store: await storeWritable(),
        upstream: sources.breakerState() !== 'open',
        policy: sources.policyLoaded(),
      };
      if (sources.draining?.()) return { ready: false, checks, draining: true };
      return { ready: checks.store && checks.upstream && checks.policy, checks };
    },
  };
}
