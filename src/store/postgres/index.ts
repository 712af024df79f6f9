export { CHANGES_CHANNEL } from './change-listener.js';
export { createPostgresStore, type PostgresStoreOptions } from './open-postgres-store.js';
export { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';
