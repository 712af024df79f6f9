import { useEffect, useState } from 'react';

interface Readiness {
  checks?: { store?: boolean; upstream?: boolean; policy?: boolean };
}

const EVERY_MS = 10_000; // the readiness probe is cheap; ten seconds is soon enough to say it

/** Says on every page when the store or WorkOS is down (from `/readyz`), or when Bollard cannot be reached. */
export function HealthBanner() {
  const [problems, setProblems] = useState<string[]>([]);
  useEffect(() => {
    let stopped = false;
    const check = () =>
      fetch('/readyz', { cache: 'no-store' })
        .then((response) => response.json() as Promise<Readiness>)
        .then(
          ({ checks = {} }) => [
            ...(checks.store === false
              ? [
                  'The audit store is down: Bollard refuses every call (503 audit_unavailable) until it is back.',
                ]
              : []),
            ...(checks.upstream === false
              ? ['WorkOS is failing: the circuit breaker is open and calls are refused until it recovers.']
              : []),
            ...(checks.policy === false ? ['The policy file has not loaded: see the server log.'] : []),
          ],
          () => ['Bollard cannot be reached: is it running? This page retries every 10 seconds.'],
        )
        .then((found) => {
          if (!stopped) setProblems(found);
        });
    void check();
    const timer = setInterval(check, EVERY_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  if (problems.length === 0) return null;
  return (
    <div className="notice error" role="alert" data-testid="health-banner">
      {problems.map((problem) => (
        <div key={problem}>{problem}</div>
      ))}
    </div>
  );
}
