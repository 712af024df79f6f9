import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseJsonlExport, verifyRecords } from '../src/audit/index.js';
import { recordLine, sealRecord } from '../src/audit/seal.js';
import { CommitFeed } from '../src/sinks/commit-feed.js';
import { SinkRunner } from '../src/sinks/runner.js';
import type { AuditSink, SinkRecord } from '../src/sinks/sink.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';
import type { AuditQuery, CommittedLines, Store } from '../src/store/types.js';
import { makeDraft } from './store-harness.js';

/** A sink that keeps what it is given, batch by batch. */
function collectingSink(batchSize: number): AuditSink & { batches: number[][] } {
  const batches: number[][] = [];
  return {
    name: 'collector',
    batchSize,
    batches,
    async deliver(records: readonly SinkRecord[]) {
      batches.push(records.map((record) => record.seq));
      return records.at(-1)?.seq ?? 0;
    },
    async close() {},
  };
}

describe('a sink runner', () => {
  let dir: string;
  let store: Store;
  let runner: SinkRunner | null = null;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bollard-sink-runner-'));
    store = createSqliteStore({ path: dir });
    await store.migrate();
  });

  afterEach(async () => {
    await runner?.close();
    runner = null;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Appends `count` records one commit at a time, waking the runner after each, as the writer does. */
  async function trickle(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await store.appendAudit([makeDraft()], sealRecord);
      runner?.wake();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('lets records gather after a partial batch instead of delivering one batch per commit', async () => {
    const sink = collectingSink(100);
    runner = new SinkRunner(sink, { store, retryMinMs: 10, retryMaxMs: 50, pollMs: 5, lingerMs: 60_000 });
    runner.start();
    await trickle(1);
    await vi.waitFor(() => expect(sink.batches).toEqual([[1]]));
    // Inside the linger every later commit waits for the next batch: nothing more is delivered yet.
    await trickle(20);
    expect(sink.batches).toEqual([[1]]);
    // Closing cuts the linger short; nothing was skipped or sent twice.
    await runner.close();
    runner = null;
    expect((await store.sinkCursors.list())[0]?.seq).toBe(1);
  });

  it('delivers every record once and in order, in batches no larger than the sink takes, when it does not linger', async () => {
    const sink = collectingSink(7);
    runner = new SinkRunner(sink, { store, retryMinMs: 10, retryMaxMs: 50, pollMs: 5, lingerMs: 0 });
    runner.start();
    await trickle(30);
    await vi.waitFor(() => expect(sink.batches.flat()).toHaveLength(30));
    expect(sink.batches.flat()).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(Math.max(...sink.batches.map((batch) => batch.length))).toBeLessThanOrEqual(7);
  });

  it('a full batch goes on at once, lingering only after the partial one that ends a backlog', async () => {
    await store.appendAudit(
      Array.from({ length: 25 }, () => makeDraft()),
      sealRecord,
    );
    const sink = collectingSink(10);
    runner = new SinkRunner(sink, { store, retryMinMs: 10, retryMaxMs: 50, pollMs: 5, lingerMs: 60_000 });
    runner.start();
    await vi.waitFor(() => expect(sink.batches.map((batch) => batch.length)).toEqual([10, 10, 5]));
  });

  it('delivers the writer’s own bytes, identical to the stored records’, reading the store only for the gaps', async () => {
    const port = store.openCommitFeed?.();
    expect(port).toBeTruthy();
    const feed = new CommitFeed();
    port?.on('message', (groups: CommittedLines[]) => {
      for (const group of groups) feed.add(group);
    });

    const delivered: SinkRecord[] = [];
    const sink: AuditSink = {
      name: 'collector',
      batchSize: 7,
      async deliver(records) {
        delivered.push(...records);
        return (records.at(-1) as SinkRecord).seq;
      },
      async close() {},
    };
    const read: number[] = [];
    const counting = {
      capabilities: store.capabilities,
      sinkCursors: store.sinkCursors,
      queryAudit: async (query: AuditQuery) => {
        const records = await store.queryAudit(query);
        read.push(...records.map((r) => r.seq));
        return records;
      },
    };
    runner = new SinkRunner(sink, {
      store: counting,
      retryMinMs: 10,
      retryMaxMs: 50,
      pollMs: 5,
      lingerMs: 0,
      feed,
    });

    // 30 records through the writer thread, in groups, with 3 written on the main connection in between
    // (as an admin change's record is): those three are gaps in the feed.
    for (let group = 0; group < 6; group++) {
      await store.appendAudit(
        Array.from({ length: 5 }, () => makeDraft({ details: { group, note: 'line\nbreak "quoted" ✓' } })),
        sealRecord,
      );
      if (group % 2 === 1) await store.apply([], [makeDraft({ kind: 'admin' })], sealRecord);
    }
    const head = (await store.auditBounds()).lastSeq;
    expect(head).toBe(33);
    await vi.waitFor(() => expect(feed.size).toBeGreaterThanOrEqual(30));
    runner.start();
    await vi.waitFor(() => expect(delivered.at(-1)?.seq).toBe(head), 10_000);

    const stored = await store.queryAudit({ afterSeq: 0, order: 'asc', limit: 100 });
    expect(delivered.map((r) => r.seq)).toEqual(stored.map((r) => r.seq));
    // Byte for byte what the store's own record gives: a receiver cannot tell the two roads apart.
    expect(delivered.map((r) => r.line)).toEqual(stored.map((r) => recordLine(r)));
    const parsed = [];
    for await (const record of parseJsonlExport([delivered.map((r) => `${r.line}\n`).join('')]))
      parsed.push(record);
    expect(await verifyRecords(parsed)).toMatchObject({ ok: true });
    console.log(
      `${delivered.length} records: ${feed.served} from the commit feed, seqs ${read.join(', ')} read back from the store`,
    );
    // Only the three records written outside the writer were read back; the writer's 30 came from the feed.
    expect(feed.served).toBe(30);
    expect(read).toEqual([11, 22, 33]);
  });
});
