import { SqlStore } from '../sql-store.js';
import { PostgresDialect } from './postgres-dialect.js';

export interface PostgresStoreOptions {
  url: string;
  /** Keep the tables in this schema (created if missing). Letters, digits and `_` only. */
  schema?: string;
  /** Pool size (default 10; at least 2, since migrating holds one connection for its lock). */
  maxConnections?: number;
  /** Give up connecting after this long (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** Cancel a statement, lock waits included, after this long (default 10,000 ms). */
  statementTimeoutMs?: number;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Opens a PostgreSQL store on a connection pool. Not migrated yet: call `migrate()` (`openStore` does).
 * @example const store = createPostgresStore({ url: process.env.DATABASE_URL }); await store.migrate();
 */
export function createPostgresStore(options: PostgresStoreOptions): SqlStore {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new Error('schema must be letters, digits and _ (at most 63)');
  }
  const dialect = new PostgresDialect({
    url: options.url,
    schema: options.schema,
    maxConnections: Math.max(2, options.maxConnections ?? 10),
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000, // 5 seconds
    statementTimeoutMs: options.statementTimeoutMs ?? 10_000, // 10 seconds
  });
  return new SqlStore(dialect, {
    sharedAcrossProcesses: true,
    crossProcessNotifications: true,
    // One group per replica at a time: the next fills during the round trip, and each waits on the head's lock anyway.
    pipelinedAppends: false,
  });
}
