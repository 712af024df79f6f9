/**
 * Durable positions of the audit sinks (files, HTTP endpoints, the WorkOS Audit Logs mirror): each sink
 * has one row holding the last seq it delivered, and a lease so that of several replicas sharing one
 * PostgreSQL database only one sends a given sink's records at a time.
 */
export interface SinkCursorStore {
  /**
   * Takes (or keeps) the sink's lease for `owner` until `leaseUntil` (ISO-8601) and answers the seq delivered
   * so far (0 for a new sink), or null while another live owner holds it. `takeOver` ignores another owner's
   * lease (a store only one process can open: the holder of an old lease died).
   * @example const seq = await store.sinkCursors.claim('siem', ownerId, inThirtySeconds, false);
   */
  claim(name: string, owner: string, leaseUntil: string, takeOver: boolean): Promise<number | null>;
  /**
   * Moves the sink's cursor to `seq` and extends the lease; false when `owner` no longer holds it (stop
   * sending: another replica took over).
   */
  advance(name: string, owner: string, seq: number, leaseUntil: string): Promise<boolean>;
  /** Every sink's cursor, for lag and status. */
  list(): Promise<SinkCursor[]>;
}

export interface SinkCursor {
  name: string;
  /** The last seq delivered. */
  seq: number;
  owner: string | null;
  leaseUntil: string | null;
  updatedAt: string;
}
