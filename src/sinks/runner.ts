import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../store/types.js';
import type { CommitFeed } from './commit-feed.js';
import { type AuditSink, SinkDeliveryError, SinkRecord } from './sink.js';

export interface SinkRunnerOptions {
  store: Pick<Store, 'queryAudit' | 'sinkCursors' | 'capabilities'>;
  logger?: Logger;
  /** Doubling backoff after failures, from `retryMinMs` up to `retryMaxMs`, with jitter. */
  retryMinMs: number;
  retryMaxMs: number;
  /** How often an idle runner looks for records other processes wrote (its own commits wake it at once). */
  pollMs?: number;
  /** How long a claimed cursor stays this process's without renewal. */
  leaseMs?: number;
  /**
   * After delivering a batch that was not full, how long to let records gather before the next one (0: at
   * once). Each batch costs a store read, a delivery and a durable cursor write whatever its size, so under
   * light traffic this turns a batch per call into a batch per interval; a full batch goes on at once.
   */
  lingerMs?: number;
  /** Records as the writer committed them: taken from here when it holds the next seq, else read from the store. */
  feed?: CommitFeed;
}

/** Default `lingerMs`: records reach a sink at most this much later than they could, in far fewer batches. */
export const DEFAULT_LINGER_MS = 200;

/** What the metrics and the admin API show of a sink. */
export interface SinkStatus {
  name: string;
  /** The last seq delivered, or null while the cursor is not held. */
  cursor: number | null;
  /** Failed attempts since the last success. */
  failures: number;
  lastError: string | null;
  delivered: number;
}

/**
 * Streams the audit chain to one sink from a durable cursor: read the records after the cursor, deliver
 * them, then move the cursor. A record is never skipped; after a crash between delivering and moving the
 * cursor the batch is offered again (a sink that can tell what it holds — a file — skips it; an HTTP
 * receiver gets the same batch id and seqs). Failures back off and never touch the calls: the local log is
 * the write-ahead record, and the sink catches up from it.
 * @example const runner = new SinkRunner(fileSink, { store, retryMinMs: 1000, retryMaxMs: 60000 }); runner.start();
 */
export class SinkRunner {
  private readonly owner = randomUUID();
  private cursor: number | null = null;
  private failures = 0;
  private delivered = 0;
  private lastError: string | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private pendingWake = false;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly lingerMs: number;
  private leaseRenewedAt = 0;

  constructor(
    readonly sink: AuditSink,
    private readonly options: SinkRunnerOptions,
  ) {
    this.pollMs = options.pollMs ?? 1_000; // 1 second
    this.leaseMs = options.leaseMs ?? 30_000; // 30 seconds
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    options.feed?.track(sink.name);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** New records were committed: look now rather than at the next poll. */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  status(): SinkStatus {
    return {
      name: this.sink.name,
      cursor: this.cursor,
      failures: this.failures,
      lastError: this.lastError,
      delivered: this.delivered,
    };
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    await this.sink.close();
  }

  private leaseUntil(): string {
    return new Date(Date.now() + this.leaseMs).toISOString();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.cursor === null && !(await this.claim())) {
          await this.sleep(this.pollMs);
          continue;
        }
        await this.pass();
      } catch (error) {
        await this.failed(error);
      }
    }
  }

  /** Takes the cursor (a store only this process opens takes it over at once) and skips what the sink already holds. */
  private async claim(): Promise<boolean> {
    const { sinkCursors, capabilities } = this.options.store;
    const takeOver = !capabilities.sharedAcrossProcesses;
    const seq = await sinkCursors.claim(this.sink.name, this.owner, this.leaseUntil(), takeOver);
    if (seq === null) return false;
    this.cursor = seq;
    this.leaseRenewedAt = Date.now();
    const held = (await this.sink.open?.()) ?? null;
    if (held !== null && held > seq) await this.advance(held);
    return this.cursor !== null;
  }

  private async pass(): Promise<void> {
    const after = this.cursor as number;
    const records = this.options.feed?.after(after, this.sink.batchSize) ?? (await this.read(after));
    if (records.length === 0) {
      if (Date.now() - this.leaseRenewedAt > this.leaseMs / 3) await this.advance(after);
      await this.sleep(this.pollMs);
      return;
    }
    const through = await this.sink.deliver(records);
    this.delivered += records.filter((r) => r.seq <= through).length;
    await this.advance(through);
    this.failures = 0;
    this.lastError = null;
    if (records.length < this.sink.batchSize && this.lingerMs > 0) await this.sleep(this.lingerMs, false);
  }

  /** The records after `after` from the store: only up to what the commit feed holds, when it holds later ones. */
  private async read(after: number): Promise<SinkRecord[]> {
    const next = this.options.feed?.nextAfter(after) ?? null;
    const limit = next === null ? this.sink.batchSize : Math.min(this.sink.batchSize, next - after - 1);
    const records = await this.options.store.queryAudit({ afterSeq: after, order: 'asc', limit });
    return records.map((record) => SinkRecord.of(record));
  }

  private async advance(seq: number): Promise<void> {
    const held = await this.options.store.sinkCursors.advance(
      this.sink.name,
      this.owner,
      seq,
      this.leaseUntil(),
    );
    this.leaseRenewedAt = Date.now();
    if (held) {
      this.cursor = seq;
      this.options.feed?.delivered(this.sink.name, seq);
    } else {
      // Another replica took the sink over: stop sending until the lease comes back.
      this.options.logger?.warn({ sink: this.sink.name }, 'audit sink taken over by another process');
      this.cursor = null;
    }
  }

  private async failed(error: unknown): Promise<void> {
    const delivery = error instanceof SinkDeliveryError ? error.options : {};
    if (
      delivery.deliveredThrough !== undefined &&
      this.cursor !== null &&
      delivery.deliveredThrough > this.cursor
    ) {
      try {
        this.delivered += delivery.deliveredThrough - this.cursor;
        await this.advance(delivery.deliveredThrough);
      } catch {
        // The cursor moves on the next success; the sink skips or dedupes what it holds.
      }
    }
    this.failures++;
    this.lastError = (error as Error).message ?? String(error);
    const backoff = Math.min(
      this.options.retryMaxMs,
      this.options.retryMinMs * 2 ** Math.min(this.failures - 1, 20),
    );
    const wait = Math.max(backoff * (0.5 + Math.random() / 2), delivery.retryAfterMs ?? 0);
    this.options.logger?.warn(
      { sink: this.sink.name, failures: this.failures, retryInMs: Math.round(wait), err: this.lastError },
      'audit sink delivery failed; retrying',
    );
    await this.sleep(wait, false);
  }

  /** Waits `ms`, or less when woken (by a commit, if `wakeable`, or by close). */
  private sleep(ms: number, wakeable = true): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (wakeable && this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = wakeable
        ? () => {
            this.pendingWake = false;
            done();
          }
        : () => {
            if (this.stopped) done();
          };
    });
  }
}
