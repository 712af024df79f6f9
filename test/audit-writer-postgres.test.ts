import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../src/audit/verify.js';
import { AuditWriter } from '../src/audit/writer.js';
import {
  createPostgresStore,
  createScratchDatabase,
  type ScratchDatabase,
} from '../src/store/postgres/index.js';
import type { Store } from '../src/store/types.js';
import { DATABASE_URL, makeDraft } from './store-harness.js';

const enabled = !process.env.STORES || process.env.STORES.split(',').includes('postgres');

describe.skipIf(!enabled)('AuditWriter on PostgreSQL: fails closed and recovers', () => {
  let scratch: ScratchDatabase;
  let store: Store;
  let admin: pg.Client;

  beforeAll(async () => {
    scratch = await createScratchDatabase(DATABASE_URL);
    store = createPostgresStore({ url: scratch.url, statementTimeoutMs: 300 });
    await store.migrate();
    admin = new pg.Client({ connectionString: scratch.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await store?.close();
    await scratch?.drop();
  });

  it('rejects while another transaction holds the chain head past the timeout, then recovers', async () => {
    const writer = new AuditWriter(store);
    await writer.append(makeDraft());
    await admin.query('BEGIN');
    await admin.query('SELECT * FROM audit_head FOR UPDATE');
    const failed = await Promise.allSettled([writer.append(makeDraft()), writer.append(makeDraft())]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(writer.healthy).toBe(false);
    await admin.query('COMMIT');
    expect((await writer.append(makeDraft())).seq).toBe(2);
    expect(writer.healthy).toBe(true);
  });

  it('survives its connections being killed by the server (as in a restart)', async () => {
    const writer = new AuditWriter(store);
    await writer.append(makeDraft());
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    // The first append may meet a dead pooled connection and fail closed; the next one must work.
    await writer.append(makeDraft()).catch(() => undefined);
    const record = await writer.append(makeDraft());
    expect(writer.healthy).toBe(true);
    expect(await verifyChain(store)).toMatchObject({ ok: true, lastSeq: record.seq });
  });
});
