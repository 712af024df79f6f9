import { recordLine } from '../audit/seal.js';
import type { AuditRecord } from '../store/types.js';

/**
 * One record as the sinks get it: its seq and its line of JSON (`lineFromCanonical`: the bytes that were
 * hashed, `hash` last — the same for a record from the writer's commit feed or read back from the store).
 * Sinks that send the line as it is never parse it; `record` parses it once for those that need fields.
 */
export class SinkRecord {
  private parsed: AuditRecord | null;

  constructor(
    readonly seq: number,
    readonly line: string,
    record: AuditRecord | null = null,
  ) {
    this.parsed = record;
  }

  /** From a record read back from the store. */
  static of(record: AuditRecord): SinkRecord {
    return new SinkRecord(record.seq, recordLine(record), record);
  }

  get record(): AuditRecord {
    this.parsed ??= JSON.parse(this.line) as AuditRecord;
    return this.parsed;
  }
}

/**
 * One place the audit log is streamed to. A runner feeds it records in seq order from its durable cursor;
 * it answers how far it delivered. Delivery must be all of a batch or a prefix of it, never out of order.
 */
export interface AuditSink {
  readonly name: string;
  /** Most records handed over at once. */
  readonly batchSize: number;
  /**
   * Prepares the destination and answers the last seq it already holds, when it can tell (a file's last
   * line): records up to it were delivered before a crash that lost the cursor's update, and are skipped.
   */
  open?(): Promise<number | null>;
  /** Delivers the records; resolves with the last seq delivered. Throws `SinkDeliveryError` to retry later. */
  deliver(records: readonly SinkRecord[]): Promise<number>;
  close(): Promise<void>;
}

/** A delivery that failed (or got only part of the way): the runner keeps what was delivered and retries the rest. */
export class SinkDeliveryError extends Error {
  constructor(
    message: string,
    readonly options: {
      /** Wait at least this long before retrying (a `Retry-After`). */
      retryAfterMs?: number;
      /** The last seq delivered before the failure. */
      deliveredThrough?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'SinkDeliveryError';
  }
}
