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

  async function open(): Promise<Store> {
    const store = createPostgresStore({ url: scratch.url });
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
    await writer.append(makeDraft()); // warm: the pool's first connection is made outside the count
    counter = countStatements();
    const group = await Promise.all(Array.from({ length: 50 }, () => writer.append(makeDraft())));
    expect(counter.sent).toHaveLength(1);
    expect(counter.sent[0]).toMatch(/bollard_append_audit/);
    expect(group.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    counter.sent.length = 0;
    await writer.append(makeDraft());
    expect(counter.sent).toHaveLength(1);
    counter.restore();
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 52 });
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
