export { createSqliteStore, SQLITE_FILE_NAME, type SqliteStoreOptions } from './open-sqlite-store.js';
