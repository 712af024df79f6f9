import pg from 'pg';
import { sealRecord } from '../../audit/seal.js';
import { type ChainHead, canonicalPieces, type EncodedRecord, encodeDrafts } from '../chain.js';
import { StoreError } from '../errors.js';
import { AUDIT_COLUMNS } from '../rows.js';
import { applyPendingMigrations } from '../schema.js';
import type { Migration, Row, SqlDialect, SqlSession } from '../sql-dialect.js';
import type { AuditDraft, ChainLink, StoreChange } from '../types.js';
import { CHANGES_CHANNEL, watchNotifications } from './change-listener.js';
import { failoverConnections, parseHostCandidates } from './multi-host.js';

export interface PostgresOptions {
  url: string;
  schema?: string;
  maxConnections: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

/** Any fixed number works; all replicas of one database must use the same one. */
const MIGRATION_LOCK_KEY = 0x6f11a4d;

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function ignoreError(): void {}

/** A write refused because the server became a standby: that connection must not go back to the pool. */
function isReadOnlyError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '25006';
}

/**
 * Extends the chain server-side in the one statement that calls it: reads and locks the head, seals each
 * row as `sealRecord` does — SHA-256 of prevHash + the canonical JSON, whose pieces around prevHash and
 * seq the caller sends — inserts it, and moves the head. The head's row lock is held for the statement's
 * own work and commit, never across a network round trip. `rows` is a JSON array of audit rows (column
 * names as keys, seq and hashes left out); the three arrays hold each row's canonical pieces.
 */
const APPEND_FUNCTION = `CREATE OR REPLACE FUNCTION bollard_append_audit(rows json, pre text[], mid text[], post text[])
  RETURNS TABLE (out_seq bigint, out_prev text, out_hash text) LANGUAGE plpgsql AS $fn$
DECLARE
  head_seq bigint;
  head_hash text;
  r audit;
  i integer := 0;
BEGIN
  SELECT last_seq, last_hash INTO head_seq, head_hash FROM audit_head WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit_head is missing: the store was not migrated';
  END IF;
  FOR r IN SELECT * FROM json_populate_recordset(NULL::audit, rows) LOOP
    i := i + 1;
    r.seq := head_seq + 1;
    r.prev_hash := head_hash;
    r.hash := encode(sha256(convert_to(
      head_hash || pre[i] || '"' || head_hash || '"' || mid[i] || r.seq::text || post[i], 'UTF8')), 'hex');
    INSERT INTO audit SELECT r.*;
    head_seq := r.seq;
    head_hash := r.hash;
    out_seq := r.seq;
    out_prev := r.prev_hash;
    out_hash := r.hash;
    RETURN NEXT;
  END LOOP;
  UPDATE audit_head SET last_seq = head_seq, last_hash = head_hash WHERE id = 1;
END
$fn$`;

/** The row fields `bollard_append_audit` takes: every audit column but seq and the two hashes. */
const DRAFT_COLUMNS = AUDIT_COLUMNS.slice(1, -2).map(([column]) => column);
const ALL_COLUMNS = AUDIT_COLUMNS.map(([column]) => column);

/**
 * Appends a group sealed by the caller after the head it expects, set-based in one statement: the head
 * moves only if it still is that head (compare-and-swap on seq and hash), and the rows go in only if it
 * moved. Another replica's append in between leaves it unmatched: nothing is written and the caller
 * seals again after the real head. A concurrent head update makes this one wait for it and re-check.
 * $1 is a JSON array of whole audit rows; $2, $3 the new head; $4, $5 the expected one.
 */
const APPEND_AFTER_HEAD = `WITH moved AS (
    UPDATE audit_head SET last_seq = $2, last_hash = $3 WHERE id = 1 AND last_seq = $4 AND last_hash = $5
    RETURNING 1
  )
  INSERT INTO audit SELECT r.* FROM moved, json_populate_recordset(NULL::audit, $1::json) r`;

function rowsJson(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return JSON.stringify(
    rows.map((values) => {
      const row: Record<string, unknown> = {};
      columns.forEach((column, i) => {
        row[column] = values[i];
      });
      return row;
    }),
  );
}

function linksOf(records: readonly EncodedRecord[]): ChainLink[] {
  return records.map(({ seq, prevHash, hash }) => ({ seq, prevHash, hash }));
}

function sessionOf(client: pg.PoolClient | pg.Pool): SqlSession {
  return {
    query: async (sql, params = []) => (await client.query(sql, params as unknown[])).rows as Row[],
    execute: async (sql, params = []) => (await client.query(sql, params as unknown[])).rowCount ?? 0,
  };
}

export class PostgresDialect implements SqlDialect {
  readonly kind = 'postgres' as const;
  readonly types = {
    // Byte order, like SQLite's BINARY: ISO times and names sort the same in both stores whatever the locale.
    text: 'text COLLATE "C"',
    integer: 'integer',
    bigint: 'bigint',
    real: 'double precision',
    boolean: 'boolean',
  };
  readonly booleanAsInteger = false;
  /**
   * Several replicas append to ONE chain. Each append locks the single `audit_head` row, so seq
   * and prevHash are handed out strictly one transaction after another: no gaps (a rolled-back
   * append never took a number), no forks (two writers cannot both extend the same head), and
   * `verify` stays a single linear walk. The price is that appends serialise on one row lock;
   * group commit makes each lock cover a whole batch, which keeps that far from the limit.
   * Per-replica chains would scale further but make verify and export merge several chains.
   */
  readonly lockClause = 'FOR UPDATE';
  readonly auditMigration = [APPEND_FUNCTION];
  private readonly pool: pg.Pool;
  private readonly clientConfig: pg.ClientConfig;
  private readonly connections: ReturnType<typeof failoverConnections>;

  constructor(private readonly options: PostgresOptions) {
    this.clientConfig = {
      connectionString: options.url,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    };
    // `host1,host2…?target_session_attrs=read-write`: each new connection finds the primary among them.
    this.connections = failoverConnections(parseHostCandidates(options.url));
    // Timeouts make an unreachable or wedged database fail the call (503) instead of hanging it.
    this.pool = new pg.Pool({
      ...this.clientConfig,
      Client: this.connections.Client,
      onConnect: (client: pg.ClientBase) => this.connections.check(client),
      max: options.maxConnections,
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
    } as unknown as pg.PoolConfig);
    // An idle client losing its server (restart) must not crash the process; the next query reconnects.
    this.pool.on('error', ignoreError);
  }

  placeholder(n: number): string {
    return `$${n}`;
  }

  read<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    return work(sessionOf(this.pool));
  }

  async transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection the server drops mid-transaction also emits 'error'; the failing query already
    // carries it to the caller, so the event itself must not crash the process.
    client.on('error', ignoreError);
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(sessionOf(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken =
        isReadOnlyError(error) ||
        (await client.query('ROLLBACK').then(
          () => false,
          () => true,
        ));
      throw error;
    } finally {
      client.off('error', ignoreError);
      client.release(broken);
    }
  }

  /**
   * The chain head this process last wrote or read back, if it knows it: the next group is sealed after
   * it here. Only a hint: a stale one costs a statement that writes nothing, never a wrong record. Unset
   * while an append is in flight and after a failure, so the next append reads the head back.
   */
  private knownHead: ChainHead | null = null;

  /**
   * One round trip per group in the usual case, autocommitted, so replicas hold the head's row lock only
   * while the server works and commits. With the head known, the group is sealed here and inserted
   * set-based under a compare-and-swap on the head (`APPEND_AFTER_HEAD`): the server does no per-row
   * work but the insert. Without it, or when another replica moved the head meanwhile (nothing written),
   * `bollard_append_audit` locks the head and seals there. Either way the new head is remembered.
   */
  async appendAudit(drafts: readonly AuditDraft[]): Promise<ChainLink[]> {
    const head = this.knownHead;
    this.knownHead = null;
    const sealed = head ? encodeDrafts(drafts, head, sealRecord) : null;
    const links =
      head && sealed && (await this.appendAfter(head, sealed))
        ? linksOf(sealed)
        : await this.appendLocked(drafts);
    const last = links.at(-1);
    if (last) this.knownHead = { seq: last.seq, hash: last.hash };
    return links;
  }

  /** Writes `records`, sealed after `head`, if the head is still there: false (nothing written) if not. */
  private async appendAfter(head: ChainHead, records: readonly EncodedRecord[]): Promise<boolean> {
    const last = records.at(-1);
    if (!last) return true;
    const result = await this.pool.query({
      // Prepared once per connection: parsing and planning it again cost more than inserting ten rows.
      name: 'bollard_append_after_head',
      text: APPEND_AFTER_HEAD,
      values: [
        rowsJson(
          ALL_COLUMNS,
          records.map((record) => record.values),
        ),
        last.seq,
        last.hash,
        head.seq,
        head.hash,
      ],
    });
    if (result.rowCount === 0) return false;
    if (result.rowCount !== records.length)
      throw new Error('the database stored a different number of records');
    return true;
  }

  /** The group sealed server-side after the head `bollard_append_audit` locks. */
  private async appendLocked(drafts: readonly AuditDraft[]): Promise<ChainLink[]> {
    const encoded = drafts.map(canonicalPieces);
    const result = await this.pool.query<{ out_seq: string; out_prev: string; out_hash: string }>(
      'SELECT out_seq, out_prev, out_hash FROM bollard_append_audit($1::json, $2, $3, $4)',
      [
        rowsJson(
          DRAFT_COLUMNS,
          encoded.map((e) => e.values),
        ),
        encoded.map((e) => e.pieces[0]),
        encoded.map((e) => e.pieces[1]),
        encoded.map((e) => e.pieces[2]),
      ],
    );
    if (result.rows.length !== drafts.length)
      throw new Error('the database sealed a different number of records');
    return result.rows.map((row) => ({
      seq: Number(row.out_seq),
      prevHash: row.out_prev,
      hash: row.out_hash,
    }));
  }

  async announceChange(session: SqlSession): Promise<void> {
    // Delivered at commit, and only if the transaction commits. The payload is when it was sent (epoch ms),
    // so the replicas that receive it can measure how long a revocation took to reach them.
    await session.query(`SELECT pg_notify('${CHANGES_CHANNEL}', $1)`, [String(Date.now())]);
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    // A session-level advisory lock on one connection: replicas starting together queue here, and
    // the first applies the migrations while the others then find nothing left to do.
    const client = await this.pool.connect();
    client.on('error', ignoreError);
    try {
      // Waiting for another replica's migration is not a wedged database: no timeout on this wait.
      await client.query('SET statement_timeout = 0');
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        // Inside the lock: CREATE SCHEMA IF NOT EXISTS itself races when two replicas run it at once.
        if (this.options.schema) {
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.options.schema)}`);
        }
        await applyPendingMigrations((work) => this.transaction(work), migrations);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        await client.query('RESET statement_timeout');
      }
    } finally {
      client.off('error', ignoreError);
      client.release();
    }
  }

  translateError(error: unknown): unknown {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === '23505') return new StoreError('conflict', 'already exists');
    if (code === '23503') return new StoreError('not_found', 'referenced record is missing');
    return error;
  }

  watchChanges(onChange: (change?: StoreChange) => void): Promise<() => Promise<void>> {
    return watchNotifications(this.clientConfig, onChange, this.connections);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
