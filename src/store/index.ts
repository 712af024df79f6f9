export { GENESIS_HASH, normalizeDraft } from './chain.js';
export { isStoreConflict, StoreError } from './errors.js';
export { openStore } from './open-store.js';
export {
  CHANGES_CHANNEL,
  createPostgresStore,
  createScratchDatabase,
  type ScratchDatabase,
} from './postgres/index.js';
export type * from './sink-cursor-types.js';
export { createSqliteStore, SQLITE_FILE_NAME } from './sqlite/index.js';
export type * from './types.js';
export type * from './webhook-types.js';
