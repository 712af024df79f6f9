import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { auditDraft } from '../src/audit/draft.js';
import {
  createPostgresStore,
  createScratchDatabase,
  type ScratchDatabase,
} from '../src/store/postgres/index.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';
import type { AgentRecord, AuditDraft, Store, TokenRecord } from '../src/store/types.js';

/**
 * One harness per store kind for the conformance suite: each `open()` gives a fresh, migrated,
 * isolated store (a temp SQLite file; a new schema in this file's own PostgreSQL database), a way
 * to open a second handle on the same data, and raw SQL for tampering the way an intruder would.
 */
export interface StoreHarness {
  name: 'sqlite' | 'postgres';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  open(): Promise<OpenedStore>;
}

export interface OpenedStore {
  store: Store;
  /** Another handle on the same data (a second replica for PostgreSQL). */
  reopen(): Promise<Store>;
  /** Runs SQL directly against the database, outside the store. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Opens migrated handles on one database and closes them all at the end of a case. */
async function handleSet(create: () => Store) {
  const handles: Store[] = [];
  const reopen = async () => {
    const store = create();
    await store.migrate();
    handles.push(store);
    return store;
  };
  const store = await reopen();
  const closeAll = async () => {
    for (const handle of handles) await handle.close();
  };
  return { store, reopen, closeAll };
}

function sqliteHarness(): StoreHarness {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    setup: async () => {},
    teardown: async () => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bollard-store-'));
      dirs.push(dir);
      const file = join(dir, 'bollard.db');
      const { store, reopen, closeAll } = await handleSet(() =>
        createSqliteStore({ path: file, synchronous: 'NORMAL' }),
      );
      return {
        store,
        reopen,
        exec: async (sql) => {
          const db = new Database(file);
          try {
            db.exec(sql);
          } finally {
            db.close();
          }
        },
        close: closeAll,
      };
    },
  };
}

function postgresHarness(): StoreHarness {
  let scratch: ScratchDatabase | null = null;
  let counter = 0;
  return {
    name: 'postgres',
    setup: async () => {
      scratch = await createScratchDatabase(DATABASE_URL);
    },
    teardown: async () => {
      await scratch?.drop();
    },
    open: async () => {
      if (!scratch) throw new Error('setup() first');
      const url = scratch.url;
      const schema = `case_${++counter}`;
      const { store, reopen, closeAll } = await handleSet(() => createPostgresStore({ url, schema }));
      return {
        store,
        reopen,
        exec: async (sql) => {
          const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
          await client.connect();
          try {
            await client.query(sql);
          } finally {
            await client.end();
          }
        },
        close: closeAll,
      };
    },
  };
}

/** The stores to test: all, or those named in `STORES` (comma-separated), e.g. `STORES=sqlite`. */
export function selectedHarnesses(): StoreHarness[] {
  const all = [sqliteHarness(), postgresHarness()];
  const wanted = process.env.STORES?.split(',').map((s) => s.trim());
  return wanted ? all.filter((h) => wanted.includes(h.name)) : all;
}

let ids = 0;

export function makeAgent(overrides: Partial<AgentRecord> = {}): AgentRecord {
  const n = ++ids;
  return {
    id: `agt_${n}`,
    name: `agent-${n}`,
    description: `test agent ${n}`,
    grants: { organizations: 'read' },
    enabled: true,
    expiresAt: null,
    weight: 1,
    quota: null,
    mcpTools: null,
    restrictions: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function makeToken(agentId: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
  const n = ++ids;
  return {
    id: `tok_${n}`,
    agentId,
    hash: n.toString(16).padStart(64, 'a'),
    hint: `bol_${n}`,
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: null,
    revokedAt: null,
    ...overrides,
  };
}

export function makeDraft(overrides: Partial<AuditDraft> = {}): AuditDraft {
  return auditDraft({
    kind: 'call',
    time: '2025-01-01T00:00:00.000Z',
    requestId: `req_${++ids}`,
    agentId: 'agt_1',
    agentName: 'agent-1',
    endpointId: 'organizations.list',
    area: 'organizations',
    access: 'read',
    permission: 'organizations:read',
    decision: 'allow',
    reason: 'granted',
    rule: 'grant:organizations:read',
    method: 'GET',
    path: '/organizations',
    bytesIn: 0,
    clientIp: '127.0.0.1',
    userAgent: 'vitest',
    ...overrides,
  });
}
