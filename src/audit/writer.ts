import type { AuditDraft, AuditRecord, SealFunction, Store } from '../store/types.js';
import { sealRecord } from './seal.js';

export interface AuditWriterOptions {
  /** Most drafts in one transaction (default 1,000); the rest go in the next. */
  maxBatch?: number;
  /** Longest a lazy draft waits for a write-ahead group to ride with. */
  lazyDelayMs?: number;
  seal?: SealFunction;
  /** Told of each failed batch (for logs and metrics); the callers' promises reject as well. */
  onError?: (error: unknown, batchSize: number) => void;
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

/**
 * Group commit for write-ahead audit. Every draft appended during one turn of the event loop is
 * written with ONE `appendAudit` transaction (scheduled with setImmediate, after the turn's I/O
 * callbacks); each caller's promise resolves once that transaction is durable, and all of them
 * reject if it fails. One batch is in flight at a time, so seq order follows append order, and
 * drafts arriving meanwhile form the next batch.
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
  private inFlight: Promise<void> | null = null;
  private closed = false;
  private lastOk = true;
  private readonly maxBatch: number;
  private readonly seal: SealFunction;

  constructor(
    private readonly store: Pick<Store, 'appendAudit'>,
    private readonly options: AuditWriterOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 1_000);
    this.lazyDelayMs = options.lazyDelayMs ?? 20; // 20 ms: outcomes are durable soon after, never before, the answer
    this.seal = options.seal ?? sealRecord;
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
    while (this.queue.length > 0 || this.inFlight || this.scheduled) {
      if (!this.inFlight && !this.scheduled) this.schedule();
      if (this.inFlight) await this.inFlight;
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
    if (this.scheduled || this.inFlight) return;
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
    this.inFlight = this.writeBatch(batch).finally(() => {
      this.inFlight = null;
      // Whatever queued while this batch was in flight is the next group; lazy drafts alone wait for their timer.
      if (this.urgent > 0 || (this.closed && this.queue.length > 0)) this.startBatch();
      else if (this.queue.length > 0) this.scheduleLazy();
    });
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    try {
      const records = await this.store.appendAudit(
        batch.map((p) => p.draft),
        this.seal,
      );
      if (records.length !== batch.length) throw new Error('the store sealed a different number of records');
      this.lastOk = true;
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
