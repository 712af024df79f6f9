import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealRecord } from '../src/audit/seal.js';
import { verifyChain } from '../src/audit/verify.js';
import { AuditWriter, AuditWriterClosedError } from '../src/audit/writer.js';
import { AuditThread } from '../src/store/sqlite/audit-thread.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';
import type { Store } from '../src/store/types.js';
import { makeAgent, makeDraft } from './store-harness.js';

let dir: string;
let file: string;
const stores: Store[] = [];

async function open(busyTimeoutMs = 5_000): Promise<Store> {
  const store = createSqliteStore({ path: file, busyTimeoutMs });
  await store.migrate();
  stores.push(store);
  return store;
}

/** Wraps the real store to count transactions; every call still reaches SQLite. */
function counting(store: Store) {
  const sizes: number[] = [];
  return {
    sizes,
    target: {
      appendAudit: (
        drafts: Parameters<Store['appendAudit']>[0],
        seal: Parameters<Store['appendAudit']>[1],
      ) => {
        sizes.push(drafts.length);
        return store.appendAudit(drafts, seal);
      },
    },
  };
}

/** Reads a row the way another process would: its own connection, outside Bollard. */
function rawHash(seq: number): string | undefined {
  const raw = new Database(file, { readonly: true });
  try {
    return (raw.prepare('SELECT hash FROM audit WHERE seq = ?').get(seq) as { hash: string } | undefined)
      ?.hash;
  } finally {
    raw.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bollard-writer-'));
  file = join(dir, 'bollard.db');
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AuditWriter', () => {
  it('a lazy draft starts no transaction of its own: it rides with the next write-ahead group', async () => {
    const store = await open();
    const { sizes, target } = counting(store);
    const writer = new AuditWriter(target, { lazyDelayMs: 60_000 });
    const outcome = writer.append(makeDraft({ requestId: 'lazy' }), { lazy: true });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sizes).toEqual([]); // nothing written yet: nobody waits on it
    const call = await writer.append(makeDraft({ requestId: 'urgent' }));
    expect(sizes).toEqual([2]); // one transaction for both
    expect((await outcome).seq).toBe(call.seq - 1);
    await writer.close();
  });

  it('a lazy draft alone is written within lazyDelayMs, and close() flushes lazy drafts', async () => {
    const store = await open();
    const { sizes, target } = counting(store);
    const timed = new AuditWriter(target, { lazyDelayMs: 20 });
    await timed.append(makeDraft({ requestId: 'alone' }), { lazy: true });
    expect(sizes).toEqual([1]);
    const closing = new AuditWriter(target, { lazyDelayMs: 60_000 });
    const pending = closing.append(makeDraft({ requestId: 'at-close' }), { lazy: true });
    await closing.close();
    expect((await pending).requestId).toBe('at-close');
  });

  it('is write-ahead: a record is readable from a new handle on the file as soon as append resolves', async () => {
    const writer = new AuditWriter(await open());
    const record = await writer.append(makeDraft({ requestId: 'req_ahead' }));
    // Another handle, as another process would open it, sees the committed record at once.
    const other = await open();
    expect(await other.queryAudit({ requestId: 'req_ahead' })).toEqual([record]);
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.prepare('SELECT hash FROM audit WHERE seq = ?').get(record.seq)).toEqual({
        hash: record.hash,
      });
    } finally {
      raw.close();
    }
  });

  it('groups the drafts of one event-loop turn into one transaction; N appends give N gapless records', async () => {
    const store = await open();
    const spy = counting(store);
    const writer = new AuditWriter(spy.target);
    const records = await Promise.all(
      Array.from({ length: 200 }, (_, i) => writer.append(makeDraft({ requestId: `r${i}` }))),
    );
    expect(spy.sizes).toEqual([200]);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(records.map((r) => r.requestId)).toEqual(Array.from({ length: 200 }, (_, i) => `r${i}`));
    const more = await Promise.all([writer.append(makeDraft()), writer.append(makeDraft())]);
    expect(spy.sizes).toEqual([200, 2]);
    expect(more.map((r) => r.seq)).toEqual([201, 202]);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 202 });
  });

  it('caps a batch and writes the rest in the next one, in order', async () => {
    const store = await open();
    const spy = counting(store);
    const writer = new AuditWriter(spy.target, { maxBatch: 40 });
    const records = await Promise.all(Array.from({ length: 100 }, () => writer.append(makeDraft())));
    expect(spy.sizes).toEqual([40, 40, 20]);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  // Through the SQLite store's writer thread: the thread's busy wait gives up, and the failure comes back.
  it('rejects every caller of a batch the store cannot write, reports unhealthy, then recovers', async () => {
    const errors: number[] = [];
    const writer = new AuditWriter(await open(20), { onError: (_e, size) => errors.push(size) });
    await writer.append(makeDraft());
    // Another connection holds the write lock past the busy timeout: the store cannot write.
    const blocker = new Database(file);
    blocker.exec('BEGIN IMMEDIATE');
    const failed = await Promise.allSettled([writer.append(makeDraft()), writer.append(makeDraft())]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(writer.healthy).toBe(false);
    expect(errors).toEqual([2]);
    blocker.exec('ROLLBACK');
    blocker.close();
    const next = await writer.append(makeDraft());
    expect(writer.healthy).toBe(true);
    expect(next.seq).toBe(2);
  });

  it('rejects when the database is closed', async () => {
    const store = await open();
    const writer = new AuditWriter(store);
    await store.close();
    await expect(writer.append(makeDraft())).rejects.toThrow();
    expect(writer.healthy).toBe(false);
  });

  it('close flushes what is queued and refuses new drafts', async () => {
    const store = await open();
    const writer = new AuditWriter(store);
    const pending = Array.from({ length: 5 }, () => writer.append(makeDraft()));
    await writer.close();
    expect((await store.auditBounds()).lastSeq).toBe(5);
    expect((await Promise.all(pending)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    await expect(writer.append(makeDraft())).rejects.toBeInstanceOf(AuditWriterClosedError);
  });
});

describe('the SQLite audit writer thread', () => {
  it('acknowledges in append order, each record already committed when its promise resolves', async () => {
    const writer = new AuditWriter(await open());
    const seen: Array<{ seq: number; onDisk: string | undefined; hash: string }> = [];
    const appends: Promise<unknown>[] = [];
    // Spread over several event-loop turns, so several groups are in flight to the thread at once.
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 10; i++)
        appends.push(
          writer
            .append(makeDraft({ requestId: `r${turn}-${i}` }))
            .then((r) => seen.push({ seq: r.seq, onDisk: rawHash(r.seq), hash: r.hash })),
        );
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(appends);
    expect(seen.map((s) => s.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const s of seen) expect(s.onDisk).toBe(s.hash);
  });

  it('keeps one gapless chain with several writers, two handles on the file and admin changes between appends', async () => {
    const first = await open();
    const second = await open();
    const writers = [new AuditWriter(first), new AuditWriter(second), new AuditWriter(first)];
    const work: Promise<unknown>[] = [];
    for (let round = 0; round < 30; round++) {
      for (const writer of writers)
        work.push(writer.append(makeDraft()), writer.append(makeDraft(), { lazy: true }));
      // An admin change writes its audit record on the main connection while the thread commits.
      if (round % 10 === 0)
        work.push(
          first.apply(
            [{ op: 'putAgent', agent: makeAgent({ name: `agent-${round}` }) }],
            [makeDraft({ kind: 'admin' })],
            sealRecord,
          ),
        );
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(work);
    for (const writer of writers) await writer.close();
    expect(await verifyChain(first)).toMatchObject({ ok: true, count: 183, lastSeq: 183 });
  });

  it('close() answers everything queued before the thread stops', async () => {
    const store = await open();
    const writer = new AuditWriter(store, { lazyDelayMs: 60_000 });
    const pending = [
      ...Array.from({ length: 50 }, () => writer.append(makeDraft())),
      ...Array.from({ length: 50 }, () => writer.append(makeDraft(), { lazy: true })),
    ];
    await writer.close();
    await store.close();
    stores.splice(stores.indexOf(store), 1);
    const records = await Promise.all(pending);
    expect(new Set(records.map((r) => r.seq)).size).toBe(100);
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM audit').get()).toEqual({ n: 100 });
    raw.close();
  });

  it('a draft that cannot be sent to the thread rejects its group, and the next group is written', async () => {
    const store = await open();
    const writer = new AuditWriter(store);
    const bad = makeDraft({ details: { callback: () => undefined } as unknown as Record<string, unknown> });
    await expect(writer.append(bad)).rejects.toThrow();
    expect(writer.healthy).toBe(false);
    expect((await writer.append(makeDraft())).seq).toBe(1);
    expect(writer.healthy).toBe(true);
  });

  it('a thread that dies rejects its appends (fail closed), and the next append starts a new one', async () => {
    // The thread cannot open its database (the directory does not exist yet): it exits at once.
    const missing = join(dir, 'later', 'bollard.db');
    const thread = new AuditThread({ file: missing, synchronous: 'FULL', busyTimeoutMs: 100 });
    await expect(thread.append([makeDraft(), makeDraft()])).rejects.toThrow();
    mkdirSync(join(dir, 'later'));
    const store = createSqliteStore({ path: missing });
    await store.migrate();
    stores.push(store);
    const links = await thread.append([makeDraft(), makeDraft()]);
    expect(links.map((l) => l.seq)).toEqual([1, 2]);
    await thread.close();
    await expect(thread.append([makeDraft()])).rejects.toThrow(/closed/);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 2 });
  });
});
