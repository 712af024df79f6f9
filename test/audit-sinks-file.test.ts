import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseJsonlExport, verifyRecords } from '../src/audit/index.js';
import { FileSink } from '../src/sinks/file-sink.js';
import { SinkRecord } from '../src/sinks/sink.js';
import type { AuditRecord } from '../src/store/types.js';
import { makeDraft } from './store-harness.js';
import { auditRecords, type Harness, startHarness } from './support/harness.js';

vi.setConfig({ testTimeout: 60_000 });

let h: Harness;
let dir: string;

async function readRecords(file: string): Promise<AuditRecord[]> {
  const stream = file.endsWith('.gz') ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  const out: AuditRecord[] = [];
  for await (const record of parseJsonlExport(stream as AsyncIterable<Buffer>)) out.push(record);
  return out;
}

/** Rotated files in name order (their names carry the time), then the live file. */
function sinkFiles(): string[] {
  const rotated = readdirSync(dir)
    .filter((name) => name.startsWith('audit.') && name !== 'audit.jsonl')
    .sort();
  return [...rotated, 'audit.jsonl'].map((name) => path.join(dir, name));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bollard-file-sink-'));
  h = await startHarness({
    config: {
      auditSinks: [
        {
          type: 'file',
          name: 'archive',
          path: path.join(dir, 'audit.jsonl'),
          maxBytes: 2_000,
          batchSize: 5,
          retryMinMs: 10,
        },
      ],
    },
    app: { sinks: { pollMs: 20 } },
  });
});

afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('JSON Lines file sink', () => {
  it('writes every record once, in order, rotating by size into gzipped files that each verify on their own', async () => {
    const sdk = h.sdk(await h.agent('archivist', ['organizations:read']));
    for (let i = 0; i < 25; i++) await sdk.organizations.listOrganizations({ limit: 1 });
    await h.app.audit.flush();
    const stored = await auditRecords(h.app);
    const head = stored.at(-1)!.seq;
    await vi.waitFor(async () => {
      expect((await h.app.store.sinkCursors.list())[0]?.seq).toBe(head);
    }, 20_000);
    const files = sinkFiles();
    const gz = files.filter((file) => file.endsWith('.jsonl.gz'));
    console.log(
      `${head} records in ${files.length} files (${gz.length} rotated and gzipped): ${files.map((f) => path.basename(f)).join(' ')}`,
    );
    expect(gz.length).toBeGreaterThanOrEqual(2);
    expect(files.filter((file) => file.endsWith('.jsonl') && !file.endsWith('audit.jsonl'))).toEqual([]);
    const written: AuditRecord[] = [];
    for (const file of files) {
      const records = await readRecords(file);
      if (records.length > 0) expect(await verifyRecords(records)).toMatchObject({ ok: true });
      written.push(...records);
    }
    expect(written.map((r) => r.seq)).toEqual(stored.map((r) => r.seq));
    expect(written.map((r) => r.hash)).toEqual(stored.map((r) => r.hash));
  });
});

describe('FileSink on its own', () => {
  const record = (seq: number): SinkRecord =>
    SinkRecord.of({
      ...makeDraft({ requestId: `r${seq}` }),
      seq,
      prevHash: 'p'.repeat(64),
      hash: 'h'.repeat(64),
    });

  it('rotates by age, and after a crash drops a torn last line and reports the last whole record', async () => {
    const own = mkdtempSync(path.join(tmpdir(), 'bollard-file-sink-age-'));
    try {
      let now = Date.parse('2026-12-01T00:00:00Z');
      const options = {
        name: 'age',
        path: path.join(own, 'audit.jsonl'),
        maxBytes: 1_000_000,
        maxAgeSeconds: 3_600,
        gzip: false,
        fsync: false,
        batchSize: 10,
        now: () => now,
      };
      const sink = new FileSink(options);
      expect(await sink.open()).toBeNull();
      await sink.deliver([record(1), record(2)]);
      now += 3_600_000; // an hour later
      await sink.deliver([record(3)]);
      await sink.close();
      expect(readdirSync(own).sort()).toEqual([
        'audit.2026-12-01T01-00-00-000Z.000000000002.jsonl',
        'audit.jsonl',
      ]);

      // A crash mid-write leaves half a line: it is cut off, and the last whole record answers.
      writeFileSync(options.path, `${readFileSync(options.path, 'utf8')}{"seq":4,"kind":"ca`);
      const reopened = new FileSink(options);
      expect(await reopened.open()).toBe(3);
      await reopened.deliver([record(4)]);
      await reopened.close();
      expect((await readRecords(options.path)).map((r) => r.seq)).toEqual([3, 4]);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
