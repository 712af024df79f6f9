import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SqlStore } from '../sql-store.js';
import { SqliteDialect } from './sqlite-dialect.js';

export interface SqliteStoreOptions {
  /** The database file, or an existing directory that gets `bollard.db`. */
  path: string;
  /** FULL (default): a commit survives an OS crash. NORMAL: only a process crash. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another connection's lock (default 5,000 ms). */
  busyTimeoutMs?: number;
}

export const SQLITE_FILE_NAME = 'bollard.db';

function resolveFile(path: string): string {
  const isDirectory = statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  return resolve(isDirectory ? join(path, SQLITE_FILE_NAME) : path);
}

/**
 * Opens (creating if needed) the embedded SQLite store. Not migrated yet: call `migrate()`
 * (`openStore` does).
 * @example const store = createSqliteStore({ path: '.bollard' }); await store.migrate();
 */
export function createSqliteStore(options: SqliteStoreOptions): SqlStore {
  const file = resolveFile(options.path);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  restrictToOwner(file);
  const dialect = new SqliteDialect({
    file,
    synchronous: options.synchronous ?? 'FULL',
    busyTimeoutMs: options.busyTimeoutMs ?? 5_000, // 5 seconds
    auditThread: true,
  });
  return new SqlStore(dialect, {
    sharedAcrossProcesses: false,
    crossProcessNotifications: false,
    pipelinedAppends: true,
  });
}

/**
 * The database holds the audit log and token hashes: owner-only (0600). SQLite gives the -wal and -shm
 * files it creates the mode of the database file, so creating that file 0600 first covers them too;
 * files left by an earlier version are tightened here.
 */
function restrictToOwner(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const each of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(each)) chmodSync(each, 0o600);
  }
}
