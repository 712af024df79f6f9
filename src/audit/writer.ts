import type { AuditDraft, AuditRecord, ChainLink, SealFunction, Store } from '../store/types.js';
import { sealRecord } from './seal.js';

export interface AuditWriterOptions {
  /** Most drafts in one transaction (default 1,000); the rest go in the next. */
  maxBatch?: number;
  /** Longest a lazy draft waits for a write-ahead group to ride with. */
  lazyDelayMs?: number;
  seal?: SealFunction;
  /** Told of each failed batch (for logs and metrics); the callers' promises reject as well. */
  onError?: (error: unknown, batchSize: number) => void;
  /** Told of each durable batch: its size, how long the commit took and the chain's new head seq. */
  onCommit?: (batchSize: number, seconds: number, headSeq: number | null) => void;
}

interface Pending {
  draft: AuditDraft;
  lazy: boolean;
  resolve: (record: AuditRecord) => void;
  reject: (error: unknown) => void;
}

export class AuditWriterClosedError extends Error {
  constructor() {
    super('the audit writer is closed');
    this.name = 'AuditWriterClosedError';
  }
}

/** The store as the writer uses it: `appendAudit`, and the faster link-only append where there is one. */
export type AuditTarget = Pick<Store, 'appendAudit'> &
  Partial<Pick<Store, 'appendAuditLinks' | 'capabilities'>>;

/**
 * Group commit for write-ahead audit. Every draft appended during one turn of the event loop is
 * written with ONE store append (scheduled with setImmediate, after the turn's I/O callbacks); each
 * caller's promise resolves once that group is durable, and all of them reject if it fails. Where the
 * store pipelines appends (`capabilities.pipelinedAppends`: SQLite's writer thread) each turn's group is
 * sent at once and the store chains them in order; otherwise one group is in flight at a time and
 * drafts arriving meanwhile form the next. Either way seq order follows append order.
 * @example
 *   const writer = new AuditWriter(store);
 *   await writer.append(draft); // durable now: safe to forward the call
 */
export class AuditWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Drafts in the queue that someone is waiting on (not lazy). */
  private urgent = 0;
  private lazyTimer: NodeJS.Timeout | null = null;
  private readonly lazyDelayMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private lastOk = true;
  private readonly maxBatch: number;
  private readonly seal: SealFunction;
  private readonly pipelined: boolean;

  constructor(
    private readonly store: AuditTarget,
    private readonly options: AuditWriterOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 1_000);
    this.lazyDelayMs = options.lazyDelayMs ?? 20; // 20 ms: outcomes are durable soon after, never before, the answer
    this.seal = options.seal ?? sealRecord;
    this.pipelined = store.capabilities?.pipelinedAppends === true;
  }

  /** False after a batch failed, until a later batch succeeds. Callers refuse work (503) meanwhile or probe with append. */
  get healthy(): boolean {
    return this.lastOk;
  }

  /** Drafts waiting for the next batch. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Queues a draft. By default it is written with this turn's group and the promise resolves once durable
   * (write-ahead). A `lazy` draft — an outcome, which nothing waits on — starts no transaction of its own:
   * it rides with the next write-ahead group, or goes after `lazyDelayMs` at the latest. At low concurrency
   * this halves the commits (and with synchronous=FULL the fsyncs) per call.
   */
  append(draft: AuditDraft, options: { lazy?: boolean } = {}): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new AuditWriterClosedError());
    return new Promise<AuditRecord>((resolve, reject) => {
      this.queue.push({ draft, lazy: options.lazy === true, resolve, reject });
      if (options.lazy) this.scheduleLazy();
      else {
        this.urgent++;
        this.schedule();
      }
    });
  }

  /** Resolves when everything appended so far has been written (or failed). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight.size > 0 || this.scheduled) {
      if (this.inFlight.size === 0 && !this.scheduled) this.schedule();
      if (this.inFlight.size > 0) await Promise.all(this.inFlight);
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Refuses new drafts and waits for the queued ones. */
  async close(): Promise<void> {
    this.closed = true;
    this.schedule();
    await this.flush();
  }

  private scheduleLazy(): void {
    if (this.lazyTimer) return;
    this.lazyTimer = setTimeout(() => {
      this.lazyTimer = null;
      this.schedule();
    }, this.lazyDelayMs);
    this.lazyTimer.unref?.();
  }

  private schedule(): void {
    if (this.scheduled || (this.inFlight.size > 0 && !this.pipelined)) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startBatch();
    });
  }

  private startBatch(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.urgent = this.queue.reduce((n, p) => n + (p.lazy ? 0 : 1), 0);
    if (this.lazyTimer) {
      clearTimeout(this.lazyTimer);
      this.lazyTimer = null;
    }
    const written: Promise<void> = this.writeBatch(batch).finally(() => {
      this.inFlight.delete(written);
      if (this.pipelined) return; // each turn already sent its own group
      // Whatever queued while this batch was in flight is the next group; lazy drafts alone wait for their timer.
      if (this.urgent > 0 || (this.closed && this.queue.length > 0)) this.startBatch();
      else if (this.queue.length > 0) this.scheduleLazy();
    });
    this.inFlight.add(written);
    // Pipelined: more than maxBatch queued goes as the next group right away.
    if (this.pipelined && this.queue.length > 0) {
      if (this.urgent > 0 || this.closed) this.schedule();
      else this.scheduleLazy();
    }
  }

  /** The sealed records: through the store's link-only append when the seal is the standard one. */
  private async sealBatch(drafts: AuditDraft[]): Promise<AuditRecord[]> {
    if (this.seal !== sealRecord || !this.store.appendAuditLinks)
      return this.store.appendAudit(drafts, this.seal);
    const links = await this.store.appendAuditLinks(drafts);
    if (links.length !== drafts.length) throw new Error('the store sealed a different number of records');
    // The draft as appended with its place in the chain (the stored form is normalized: see normalizeDraft).
    return drafts.map((draft, i) => ({ ...draft, ...(links[i] as ChainLink) }));
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      const records = await this.sealBatch(batch.map((p) => p.draft));
      if (records.length !== batch.length) throw new Error('the store sealed a different number of records');
      this.lastOk = true;
      this.options.onCommit?.(
        batch.length,
        (performance.now() - started) / 1000,
        records.at(-1)?.seq ?? null,
      );
      batch.forEach((p, i) => {
        p.resolve(records[i] as AuditRecord);
      });
    } catch (error) {
      this.lastOk = false;
      for (const p of batch) p.reject(error);
      try {
        this.options.onError?.(error, batch.length);
      } catch {
        // A failing error hook must not wedge the writer.
      }
    }
  }
}
