import pg from 'pg';
import { StoreError } from '../errors.js';
import { applyPendingMigrations } from '../schema.js';
import type { Migration, Row, SqlDialect, SqlSession } from '../sql-dialect.js';
import { CHANGES_CHANNEL, watchNotifications } from './change-listener.js';

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
  private readonly pool: pg.Pool;
  private readonly clientConfig: pg.ClientConfig;

  constructor(private readonly options: PostgresOptions) {
    this.clientConfig = {
      connectionString: options.url,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    };
    // Timeouts make an unreachable or wedged database fail the call (503) instead of hanging it.
    this.pool = new pg.Pool({
      ...this.clientConfig,
      max: options.maxConnections,
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
    });
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
      broken = await client.query('ROLLBACK').then(
        () => false,
        () => true,
      );
      throw error;
    } finally {
      client.off('error', ignoreError);
      client.release(broken);
    }
  }

  async announceChange(session: SqlSession): Promise<void> {
    // Delivered at commit, and only if the transaction commits.
    await session.query(`SELECT pg_notify('${CHANGES_CHANNEL}', '')`);
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

  watchChanges(onChange: () => void): Promise<() => Promise<void>> {
    return watchNotifications(this.clientConfig, onChange);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
