import type { AuditPruneResult, Store } from '../store/types.js';

export interface RetentionOptions {
  /** Records older than this many milliseconds are removed. */
  olderThanMs: number;
  /**
   * The audit sinks whose cursors hold retention back: a record one of them has not delivered yet is kept
   * however old, so a sink that was down for longer than the retention period still receives everything.
   * A named sink with no cursor yet (it has not started) keeps everything.
   */
  sinks?: readonly string[];
  /** The clock (injected in tests). */
  now?: () => Date;
}

/**
 * Removes the oldest whole segment of the chain whose records are all older than the age, and delivered by
 * every sink, keeping its last hash as the anchor so `verifyChain` still passes on what remains.
 * @example await pruneAudit(store, { olderThanMs: 90 * 24 * 3600 * 1000, sinks: ['siem'] }); // 90 days
 */
export async function pruneAudit(store: Store, options: RetentionOptions): Promise<AuditPruneResult> {
  const now = options.now?.() ?? new Date();
  const before = new Date(now.getTime() - options.olderThanMs).toISOString();
  return store.pruneAudit(before, { throughSeq: await undeliveredFloor(store, options.sinks ?? []) });
}

/** The highest seq every named sink has delivered (undefined: no sink holds anything back). */
async function undeliveredFloor(store: Store, sinks: readonly string[]): Promise<number | undefined> {
  if (sinks.length === 0) return undefined;
  const delivered = new Map((await store.sinkCursors.list()).map((cursor) => [cursor.name, cursor.seq]));
  return Math.min(...sinks.map((name) => delivered.get(name) ?? 0));
}
