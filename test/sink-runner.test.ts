import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sealRecord } from '../src/audit/seal.js';
import { SinkRunner } from '../src/sinks/runner.js';
import type { AuditSink } from '../src/sinks/sink.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';
import type { AuditRecord, Store } from '../src/store/types.js';
import { makeDraft } from './store-harness.js';

/** A sink that keeps what it is given, batch by batch. */
function collectingSink(batchSize: number): AuditSink & { batches: number[][] } {
  const batches: number[][] = [];
  return {
    name: 'collector',
    batchSize,
    batches,
    async deliver(records: readonly AuditRecord[]) {
      batches.push(records.map((record) => record.seq));
      return records.at(-1)?.seq ?? 0;
    },
    async close() {},
  };
}

describe('a sink runner under light traffic', () => {
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
});
