/**
 * Audit write throughput: rows/s through the group-commit writer, for SQLite at synchronous
 * NORMAL and FULL and, when DATABASE_URL is set, PostgreSQL. "concurrency" is how many requests
 * append in one event-loop turn (one group); 1 means one transaction per request.
 * Run: node --import tsx bench/audit.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditWriter } from '../src/audit/writer.js';
import { createPostgresStore, createScratchDatabase } from '../src/store/postgres/index.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';
import type { AuditDraft, Store } from '../src/store/types.js';
import { makeDraft } from '../test/store-harness.js';

const DURATION_MS = 1_500; // per configuration
const CONCURRENCY = [1, 10, 100];

function draft(i: number): AuditDraft {
  return makeDraft({
    requestId: `req_${i}`,
    time: new Date().toISOString(),
    details: { query: { limit: '10' } },
  });
}

async function measure(store: Store, concurrency: number): Promise<number> {
  const writer = new AuditWriter(store);
  let rows = 0;
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) {
    await Promise.all(Array.from({ length: concurrency }, () => writer.append(draft(rows++))));
  }
  const seconds = (performance.now() - start) / 1000;
  await writer.close();
  return Math.round(rows / seconds);
}

async function report(label: string, open: () => Promise<{ store: Store; done: () => Promise<void> }>) {
  for (const concurrency of CONCURRENCY) {
    const { store, done } = await open();
    const rate = await measure(store, concurrency);
    console.log(
      `${label.padEnd(22)} concurrency ${String(concurrency).padStart(3)}: ${String(rate).padStart(7)} rows/s`,
    );
    await done();
  }
}

for (const synchronous of ['NORMAL', 'FULL'] as const) {
  await report(`sqlite synchronous=${synchronous}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bollard-bench-'));
    const store = createSqliteStore({ path: dir, synchronous });
    await store.migrate();
    return {
      store,
      done: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

if (process.env.DATABASE_URL) {
  const scratch = await createScratchDatabase(process.env.DATABASE_URL);
  let n = 0;
  try {
    await report('postgres', async () => {
      const store = createPostgresStore({ url: scratch.url, schema: `bench_${++n}` });
      await store.migrate();
      return { store, done: () => store.close() };
    });
  } finally {
    await scratch.drop();
  }
}
