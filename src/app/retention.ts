import type { Logger } from 'pino';
import { pruneAudit } from '../audit/index.js';
import type { Store } from '../store/types.js';

const SWEEP_EVERY_MS = 60 * 60 * 1000; // 1 hour
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Removes audit records older than `days`, in whole chain segments (the last removed hash stays as the
 * anchor, so verification still passes), at start and then hourly. Returns the function that stops it.
 * With several replicas each sweeps; the store serialises the prunes on the chain head. Records an audit
 * sink (`sinks`, by name) has not delivered yet are kept.
 */
export function startAuditRetention(
  store: Store,
  days: number,
  logger: Logger,
  sinks: readonly string[] = [],
): () => void {
  if (days <= 0) return () => undefined;
  const sweep = () => {
    pruneAudit(store, { olderThanMs: days * DAY_MS, sinks })
      .then((result) => {
        if (result.removed > 0) logger.info({ ...result }, 'audit retention removed old records');
      })
      .catch((error: unknown) => logger.error({ err: error }, 'audit retention failed; it will try again'));
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
