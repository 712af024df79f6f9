import type { AuditPruneResult, Store } from '../store/types.js';

export interface RetentionOptions {
  /** Records older than this many milliseconds are removed. */
  olderThanMs: number;
  /** The clock (injected in tests). */
  now?: () => Date;
}

/**
 * Removes the oldest whole segment of the chain whose records are all older than the age, keeping
 * its last hash as the anchor so `verifyChain` still passes on what remains.
 * @example await pruneAudit(store, { olderThanMs: 90 * 24 * 3600 * 1000 }); // 90 days
 */
export function pruneAudit(store: Store, options: RetentionOptions): Promise<AuditPruneResult> {
  const now = options.now?.() ?? new Date();
  return store.pruneAudit(new Date(now.getTime() - options.olderThanMs).toISOString());
}
