import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditDraft, AuditRecord, Store } from '../store/types.js';
import {
  CHECKPOINT_REQUEST_ID,
  type Checkpoint,
  checkpointDigest,
  isCheckpoint,
  signCheckpoint,
} from './checkpoint.js';
import { auditDraft } from './draft.js';

export interface CheckpointerOptions {
  store: Pick<Store, 'auditBounds' | 'queryAudit'>;
  /** Appends the checkpoint's record to the chain (the audit writer), durable when it resolves. */
  append: (draft: AuditDraft) => Promise<AuditRecord>;
  privateKey: KeyObject;
  /** Sign after this many records (default 1,000). */
  everyRecords?: number;
  /** …or after this long when anything was written (default 60 s). */
  everyMs?: number;
  logger?: Logger;
  now?: () => number;
}

/** The newest checkpoint and the seq of the record that carries it. */
interface Signed {
  checkpoint: Checkpoint;
  recordSeq: number;
}

/**
 * Signs the chain head every N records or T seconds and writes each checkpoint into the chain itself, as a
 * `system` record (request id `audit-checkpoint`): the store keeps it, and every sink streams it out with
 * the records, so a copy of each checkpoint lives wherever the log is shipped. Off the hot path: it reacts
 * to group commits and a timer, and never holds a call.
 * @example const checkpoints = new Checkpointer({ store, append: (d) => writer.append(d), privateKey });
 */
export class Checkpointer {
  private last: Signed | null = null;
  private loaded: Promise<void> | null = null;
  private running: Promise<Checkpoint | null> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly everyRecords: number;
  private readonly everyMs: number;
  private readonly now: () => number;

  constructor(private readonly options: CheckpointerOptions) {
    this.everyRecords = Math.max(1, options.everyRecords ?? 1_000);
    this.everyMs = Math.max(1, options.everyMs ?? 60_000); // 60 seconds
    this.now = options.now ?? Date.now;
  }

  /** Starts the timer. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Told of each group commit's new head: signs once `everyRecords` have gone by since the last checkpoint. */
  committed(headSeq: number | null): void {
    if (headSeq === null || this.running) return;
    const since = this.last ? headSeq - this.last.recordSeq : headSeq;
    if (since >= this.everyRecords) void this.tick();
  }

  /** The newest checkpoint in the store, or null. */
  async latest(): Promise<Checkpoint | null> {
    await this.load();
    return this.last?.checkpoint ?? null;
  }

  /**
   * Signs the head now, unless nothing was written since the last checkpoint (then that one is answered).
   * Resolves once the checkpoint's record is durable; concurrent calls share one signing.
   */
  checkpoint(): Promise<Checkpoint | null> {
    this.running ??= this.signHead().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async tick(): Promise<void> {
    try {
      await this.checkpoint();
    } catch (error) {
      this.options.logger?.error({ err: error }, 'audit checkpoint failed; the next one will retry');
    }
  }

  private load(): Promise<void> {
    this.loaded ??= this.options.store
      .queryAudit({ requestId: CHECKPOINT_REQUEST_ID, order: 'desc', limit: 1 })
      .then(([record]) => {
        const checkpoint = record?.details.checkpoint;
        if (record && isCheckpoint(checkpoint) && !this.last)
          this.last = { checkpoint, recordSeq: record.seq };
      })
      .catch((error) => {
        this.loaded = null;
        throw error;
      });
    return this.loaded;
  }

  private async signHead(): Promise<Checkpoint | null> {
    await this.load();
    const bounds = await this.options.store.auditBounds();
    if (bounds.lastSeq === 0) return null;
    const last = this.last;
    // The head is the last checkpoint's own record (or the head it signed): nothing new to sign.
    if (last && (bounds.lastSeq === last.recordSeq || bounds.lastSeq === last.checkpoint.seq))
      return last.checkpoint;
    const checkpoint = signCheckpoint(
      {
        seq: bounds.lastSeq,
        hash: bounds.lastHash,
        time: new Date(this.now()).toISOString(),
        previous: last ? { seq: last.checkpoint.seq, digest: checkpointDigest(last.checkpoint) } : null,
      },
      this.options.privateKey,
    );
    const record = await this.options.append(
      auditDraft({
        kind: 'system',
        time: checkpoint.time,
        requestId: CHECKPOINT_REQUEST_ID,
        reason: 'checkpoint',
        details: { checkpoint },
      }),
    );
    this.last = { checkpoint, recordSeq: record.seq };
    return checkpoint;
  }
}
