import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealRecord } from '../src/audit/index.js';
import { openStore } from '../src/store/index.js';
import {
  createPostgresStore,
  createScratchDatabase,
  type ScratchDatabase,
} from '../src/store/postgres/index.js';
import { DATABASE_URL, makeAgent } from './store-harness.js';

/** Versions from 1 up, each recorded exactly once (numbers are reserved per change, so there may be gaps). */
function expectEachMigrationOnce(rows: unknown[]): void {
  const versions = rows.map((row) => (row as { version: number }).version);
  expect(versions.length).toBeGreaterThan(0);
  // Each migration once, in order; numbers may have gaps (each issue owns its numbers).
  expect(versions[0]).toBe(1);
  expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
}

describe('openStore: sqlite', () => {
  it('puts bollard.db in a directory, in WAL mode, with the migrations recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bollard-open-'));
    try {
      const store = await openStore({ kind: 'sqlite', path: dir });
      await store.close();
      const file = join(dir, 'bollard.db');
      expect(existsSync(file)).toBe(true);
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expectEachMigrationOnce(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all());
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('upgrades a database from before per-agent MCP tool modes: its agents follow the server default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bollard-open-'));
    try {
      const first = await openStore({ kind: 'sqlite', path: dir });
      const agent = makeAgent({ mcpTools: 'full' });
      await first.apply([{ op: 'putAgent', agent }], [], sealRecord);
      await first.close();
      // Back to the schema of version 4: no mcp_tools column, version 5 not recorded.
      const db = new Database(join(dir, 'bollard.db'));
      db.exec('ALTER TABLE agents DROP COLUMN mcp_tools; DELETE FROM schema_migrations WHERE version = 5');
      db.close();
      const upgraded = await openStore({ kind: 'sqlite', path: dir });
      try {
        expect(await upgraded.getAgent(agent.id)).toEqual({ ...agent, mcpTools: null });
      } finally {
        await upgraded.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates missing parent directories for a file path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bollard-open-'));
    try {
      const store = await openStore({
        kind: 'sqlite',
        path: join(dir, 'a', 'b', 'x.db'),
        synchronous: 'NORMAL',
      });
      expect((await store.auditBounds()).lastSeq).toBe(0);
      await store.close();
      expect(existsSync(join(dir, 'a', 'b', 'x.db'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const postgres = !process.env.STORES || process.env.STORES.split(',').includes('postgres');

describe.skipIf(!postgres)('openStore: postgres', () => {
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase(DATABASE_URL);
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('replicas starting together migrate once, under the advisory lock', async () => {
    const replicas = Array.from({ length: 3 }, () =>
      createPostgresStore({ url: scratch.url, schema: 'together' }),
    );
    try {
      await Promise.all(replicas.map((r) => r.migrate()));
      const client = new pg.Client({ connectionString: scratch.url });
      await client.connect();
      try {
        const { rows } = await client.query(
          'SELECT version FROM together.schema_migrations ORDER BY version',
        );
        expectEachMigrationOnce(rows);
      } finally {
        await client.end();
      }
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => createPostgresStore({ url: scratch.url, schema: 'x; DROP TABLE y' })).toThrow(/schema/);
  });

  it('reports a database it cannot reach instead of hanging', async () => {
    const url = new URL(scratch.url);
    url.port = '1';
    await expect(
      openStore({ kind: 'postgres', url: url.toString(), connectTimeoutMs: 2_000 }),
    ).rejects.toThrow();
  });
});
