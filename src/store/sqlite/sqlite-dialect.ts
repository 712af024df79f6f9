import type { MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { applyPendingMigrations } from '../schema.js';
import type { Migration, Row, SqlDialect, SqlSession } from '../sql-dialect.js';
import type { AuditDraft, ChainLink } from '../types.js';
import { AuditThread, type AuditThreadOptions } from './audit-thread.js';

export interface SqliteOptions {
  /** The database file. */
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
  /** Audit appends on a writer thread with its own connection (the thread's own connection: false). */
  auditThread: boolean;
}

/** Prepared statements kept per connection; multi-row inserts vary in shape, so the cache is bounded. */
const STATEMENT_CACHE_LIMIT = 256;

/**
 * better-sqlite3 is synchronous, but the store interface is async: between two awaits of one
 * transaction another caller could run a statement on the same connection and see (or commit)
 * half of it. So every unit of work takes its turn through one queue — one per file, shared by
 * every handle this process opens on it, because a second handle's BEGIN IMMEDIATE would
 * otherwise wait on the first's lock synchronously, blocking the very event loop that must finish it.
 */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

const queues = new Map<string, { queue: SerialQueue; handles: number }>();
/** One writer thread per file, shared like the queue: two would race each other for the write lock. */
const threads = new Map<string, { thread: AuditThread; handles: number }>();

function threadFor(options: AuditThreadOptions): AuditThread {
  const entry = threads.get(options.file) ?? { thread: new AuditThread(options), handles: 0 };
  entry.handles++;
  threads.set(options.file, entry);
  return entry.thread;
}

async function releaseThread(file: string): Promise<void> {
  const entry = threads.get(file);
  if (!entry || --entry.handles > 0) return;
  threads.delete(file);
  await entry.thread.close();
}

function queueFor(file: string): SerialQueue {
  const entry = queues.get(file) ?? { queue: new SerialQueue(), handles: 0 };
  entry.handles++;
  queues.set(file, entry);
  return entry.queue;
}

function releaseQueue(file: string): void {
  const entry = queues.get(file);
  if (entry && --entry.handles === 0) queues.delete(file);
}

export class SqliteDialect implements SqlDialect {
  readonly kind = 'sqlite' as const;
  readonly types = { text: 'TEXT', integer: 'INTEGER', bigint: 'INTEGER', real: 'REAL', boolean: 'INTEGER' };
  readonly booleanAsInteger = true;
  // The queue plus BEGIN IMMEDIATE already give one writer at a time.
  readonly lockClause = '';
  private readonly db: Database.Database;
  private readonly queue: SerialQueue;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly session: SqlSession;
  /**
   * Audit appends go to the writer thread: the proxy's event loop never waits on an fsync. Admin changes
   * (`apply`) and retention still write here; SQLite's write lock orders them with the thread's commits,
   * and every transaction reads the chain head under that lock, so the chain has one serial order.
   */
  readonly appendAudit?: (drafts: readonly AuditDraft[]) => Promise<ChainLink[]>;
  private readonly thread: AuditThread | null = null;

  constructor(options: SqliteOptions) {
    this.db = new Database(options.file);
    this.queue = queueFor(this.db.name);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous}`);
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    this.db.pragma('foreign_keys = ON');
    // Statement journals and sorts in memory: otherwise SQLite creates and deletes a temp file per commit.
    this.db.pragma('temp_store = MEMORY');
    this.session = {
      query: async (sql, params = []) => this.prepare(sql).all(...params) as Row[],
      execute: async (sql, params = []) => this.prepare(sql).run(...params).changes,
    };
    if (options.auditThread) {
      const thread = threadFor({
        file: this.db.name,
        synchronous: options.synchronous,
        busyTimeoutMs: options.busyTimeoutMs,
      });
      this.thread = thread;
      this.appendAudit = (drafts) => thread.append(drafts);
    }
  }

  placeholder(): string {
    return '?';
  }

  openCommitFeed(): MessagePort | null {
    return this.thread?.openFeed() ?? null;
  }

  read<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    return this.queue.run(() => work(this.session));
  }

  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      // IMMEDIATE takes the write lock up front, so a busy database fails here rather than mid-way.
      // Prepared once (as better-sqlite3's own transaction helper does): exec() would parse them every time.
      this.prepare('BEGIN IMMEDIATE').run();
      try {
        const result = await work(this.session);
        this.prepare('COMMIT').run();
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.prepare('ROLLBACK').run();
        throw error;
      }
    });
  }

  async announceChange(): Promise<void> {
    // One process per SQLite file: nobody else to tell.
  }

  migrate(migrations: readonly Migration[]): Promise<void> {
    return applyPendingMigrations((work) => this.transaction(work), migrations);
  }

  translateError(error: unknown): unknown {
    if (!(error instanceof Database.SqliteError)) return error;
    if (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      return new StoreError('conflict', `already exists: ${error.message}`);
    }
    if (error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
      return new StoreError('not_found', 'referenced record is missing');
    return error;
  }

  async watchChanges(): Promise<() => Promise<void>> {
    return async () => {};
  }

  async close(): Promise<void> {
    const thread = this.thread;
    if (thread && this.db.open) await releaseThread(this.db.name);
    return this.queue.run(async () => {
      if (this.db.open) {
        this.db.close();
        releaseQueue(this.db.name);
      }
      this.statements.clear();
    });
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
