import { createPostgresStore } from './postgres/index.js';
import { createSqliteStore } from './sqlite/index.js';
import type { Store, StoreConfig } from './types.js';

/**
 * Opens the configured store and brings its schema up to date.
 * @example const store = await openStore({ kind: 'sqlite', path: '.bollard' });
 */
export async function openStore(config: StoreConfig): Promise<Store> {
  const store =
    config.kind === 'sqlite'
      ? createSqliteStore(config)
      : createPostgresStore({
          url: config.url,
          schema: config.schema,
          maxConnections: config.maxConnections,
        });
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
