import type { AuditDraft, AuditRecord, SealFunction, Store } from '../store/types.js';
import { sealRecord } from './seal.js';

export interface AuditWriterOptions {
  /** Most drafts in one transaction (default 1,000); the rest go in the next. */
  maxBatch?: number;
  seal?: SealFunction;
  /** Told of each failed batch (for logs and metrics); the callers' promises reject as well. */
  onError?: (error: unknown, batchSize: number) => void;
}

interface Pending {
  draft: AuditDraft;
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

  append(draft: AuditDraft): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new AuditWriterClosedError());
    return new Promise<AuditRecord>((resolve, reject) => {
      this.queue.push({ draft, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when everything appended so far has been written (or failed). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight || this.scheduled) {
      if (this.inFlight) await this.inFlight;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Refuses new drafts and waits for the queued ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
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
    this.inFlight = this.writeBatch(batch).finally(() => {
      this.inFlight = null;
      // Whatever queued while this batch was in flight is the next group.
      if (this.queue.length > 0) this.startBatch();
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
