import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

/** Counts every statement the pg driver sends (a wrapper around the driver, not around Bollard). */
function countStatements(): { sent: string[]; restore(): void } {
  const sent: string[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0];
    sent.push(typeof config === 'string' ? config : String((config as { text?: string })?.text));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  const restore = () => {
    pg.Client.prototype.query = original;
  };
  return { sent, restore };
}

describe.skipIf(!enabled)('PostgreSQL audit append: one round trip per group', () => {
  let scratch: ScratchDatabase;
  const stores: Store[] = [];
  let counter: ReturnType<typeof countStatements> | null = null;

  async function open(schema?: string): Promise<Store> {
    const store = createPostgresStore({ url: scratch.url, schema });
    await store.migrate();
    stores.push(store);
    return store;
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(DATABASE_URL);
  });
  afterEach(() => {
    counter?.restore();
    counter = null;
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await scratch?.drop();
  });

  it('sends one statement for a group of any size, and the chain it seals verifies', async () => {
    const store = await open();
    const writer = new AuditWriter(store);
    counter = countStatements();
    // The first group reads the head back: the database locks it and seals.
    await writer.append(makeDraft());
    expect(counter.sent).toEqual([expect.stringMatching(/bollard_append_audit/)]);
    counter.sent.length = 0;
    // After that the head is known: sealed here, inserted set-based behind a compare-and-swap.
    const group = await Promise.all(Array.from({ length: 50 }, () => writer.append(makeDraft())));
    expect(counter.sent).toEqual([expect.stringMatching(/UPDATE audit_head[\s\S]*INSERT INTO audit/)]);
    expect(group.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    counter.sent.length = 0;
    await writer.append(makeDraft());
    expect(counter.sent).toEqual([expect.stringMatching(/UPDATE audit_head/)]);
    counter.restore();
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 52 });
  });

  it('a writer whose head another replica moved writes nothing with it, then appends after the real head', async () => {
    const [a, b] = [await open(), await open()];
    const before = (await a.auditBounds()).lastSeq;
    const writers = [new AuditWriter(a), new AuditWriter(b)];
    // Each writer learns the head from its own first group.
    await writers[0]?.append(makeDraft());
    await writers[1]?.append(makeDraft());
    counter = countStatements();
    // Strict turns: every group finds the head where the other replica left it, never where it expects.
    const seqs: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (const [n, writer] of writers.entries()) {
        const group = await Promise.all(
          Array.from({ length: 3 }, () => writer.append(makeDraft({ agentName: `replica-${n}-${round}` }))),
        );
        seqs.push(...group.map((r) => r.seq));
      }
    }
    // Two statements per group: the compare-and-swap that misses, then the locking append.
    expect(counter.sent).toHaveLength(40);
    for (let i = 0; i < 40; i += 2) {
      expect(counter.sent[i]).toMatch(/UPDATE audit_head/);
      expect(counter.sent[i + 1]).toMatch(/bollard_append_audit/);
    }
    counter.restore();
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => before + 3 + i));
    expect(await verifyChain(a)).toMatchObject({ ok: true, lastSeq: before + 62 });
  });

  it('a head at the expected seq but with another hash is a miss too (a promoted standby that lost a commit)', async () => {
    const store = await open('forked'); // its own chain: this one is broken on purpose
    const writer = new AuditWriter(store);
    const known = await writer.append(makeDraft());
    // What another primary could hold at the same seq: a different last record.
    const other = 'f'.repeat(64);
    const admin = new pg.Client({ connectionString: scratch.url });
    await admin.connect();
    try {
      await admin.query('UPDATE forked.audit_head SET last_hash = $1 WHERE last_seq = $2', [
        other,
        known.seq,
      ]);
    } finally {
      await admin.end();
    }
    counter = countStatements();
    const next = await writer.append(makeDraft());
    expect(counter.sent).toEqual([
      expect.stringMatching(/UPDATE audit_head/),
      expect.stringMatching(/bollard_append_audit/),
    ]);
    expect(next).toMatchObject({ seq: known.seq + 1, prevHash: other });
  });

  it('two replicas racing on known heads keep one chain: every record once, no gaps, verifying', async () => {
    const [a, b] = [await open(), await open()];
    const before = (await a.auditBounds()).lastSeq;
    const writers = [new AuditWriter(a), new AuditWriter(b)];
    await Promise.all(writers.map((w) => w.append(makeDraft({ requestId: 'warm' }))));
    counter = countStatements();
    const ids: string[] = [];
    const appended = await Promise.all(
      writers.map(async (writer, n) => {
        const records = [];
        for (let round = 0; round < 40; round++) {
          const group = Array.from(
            { length: 1 + ((round * 7 + n) % 5) },
            (_, i) => `race-${n}-${round}-${i}`,
          );
          ids.push(...group);
          records.push(
            ...(await Promise.all(group.map((requestId) => writer.append(makeDraft({ requestId }))))),
          );
        }
        return records;
      }),
    );
    // Both paths were taken: groups that found the head where they left it, and groups that had to lock.
    expect(counter.sent.some((sql) => /UPDATE audit_head/.test(sql))).toBe(true);
    expect(counter.sent.some((sql) => /bollard_append_audit/.test(sql))).toBe(true);
    counter.restore();
    const seqs = appended.flat().map((r) => r.seq);
    expect(new Set(seqs).size).toBe(ids.length);
    const bounds = await a.auditBounds();
    expect(bounds.lastSeq).toBe(before + 2 + ids.length);
    expect(await verifyChain(b)).toMatchObject({ ok: true, lastSeq: bounds.lastSeq });
    const stored = [];
    for await (const record of a.scanAudit(before + 3)) stored.push(record);
    expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: ids.length }, (_, i) => before + 3 + i));
    expect(stored.map((r) => r.requestId).sort()).toEqual([...ids].sort());
  });

  it('two replicas appending at once interleave whole groups into one gapless chain that verifies', async () => {
    const [a, b] = [await open(), await open()];
    const before = (await a.auditBounds()).lastSeq;
    const writers = [new AuditWriter(a), new AuditWriter(b)];
    const rounds = Array.from({ length: 20 }, (_, round) =>
      writers.map((w, n) =>
        Promise.all(
          Array.from({ length: 5 }, () => w.append(makeDraft({ agentName: `replica-${n}-${round}` }))),
        ),
      ),
    );
    const groups = await Promise.all(rounds.flat());
    // Each group's records are consecutive: a group is sealed in one statement under the head's lock.
    for (const group of groups) {
      const seqs = group.map((r) => r.seq);
      expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
    }
    const bounds = await a.auditBounds();
    expect(bounds.lastSeq - before).toBe(200);
    expect(await verifyChain(b)).toMatchObject({ ok: true, lastSeq: bounds.lastSeq });
  });
});
