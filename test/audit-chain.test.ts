import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportAudit, parseJsonlExport } from '../src/audit/export.js';
import { pruneAudit } from '../src/audit/retention.js';
import { canonicalJson, sealRecord } from '../src/audit/seal.js';
import { verifyChain, verifyRecords } from '../src/audit/verify.js';
import { GENESIS_HASH } from '../src/store/chain.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';
import type { AuditRecord, Store } from '../src/store/types.js';
import { makeDraft } from './store-harness.js';

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

describe('seal', () => {
  it('canonical JSON sorts keys at every depth and drops undefined like JSON', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"z":1}]},"b":1}',
    );
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('is the formula: SHA-256 of prevHash + canonical JSON without the hash, for known and unusual records alike', () => {
    const formula = (record: Record<string, unknown>) =>
      createHash('sha256')
        .update(String(record.prevHash) + canonicalJson(record, 'hash'))
        .digest('hex');
    const base = {
      ...makeDraft({ details: { z: [1, { b: 2, a: null }], a: 'x' } }),
      seq: 7,
      prevHash: GENESIS_HASH,
    };
    expect(sealRecord(base)).toBe(formula(base));
    const withExtra = { ...base, extra: 1 } as unknown as AuditRecord;
    expect(sealRecord(withExtra)).toBe(formula(withExtra as unknown as Record<string, unknown>));
    const withUndefined = { ...base, rule: undefined } as unknown as AuditRecord;
    expect(sealRecord(withUndefined)).toBe(formula(withUndefined as unknown as Record<string, unknown>));
  });

  it('covers every field and the link: changing any one changes the hash; the hash field itself is ignored', () => {
    const base = { ...makeDraft({ details: { q: { a: 1 } } }), seq: 1, prevHash: GENESIS_HASH };
    const hash = sealRecord(base);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sealRecord({ ...base, hash: 'x' } as AuditRecord)).toBe(hash);
    const changes: Array<Partial<AuditRecord>> = [
      { seq: 2 },
      { prevHash: 'f'.repeat(64) },
      { status: 200 },
      { decision: 'deny' },
      { details: { q: { a: 2 } } },
      { resourceIds: ['org_1'] },
      { time: '2025-01-01T00:00:00.001Z' },
    ];
    for (const change of changes) expect(sealRecord({ ...base, ...change })).not.toBe(hash);
  });
});

describe('export and verify', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bollard-export-'));
    store = createSqliteStore({ path: dir });
    await store.migrate();
    await store.appendAudit(
      Array.from({ length: 25 }, (_, i) =>
        makeDraft({
          time: `2025-01-${String(i + 1).padStart(2, '0')}T00:00:00.000Z`,
          userAgent: i === 3 ? 'has "quotes", commas\nand a newline' : 'ua',
          details: { i, nested: { list: [i, null] } },
          latencyMs: i / 3,
        }),
      ),
      sealRecord,
    );
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a JSONL export round-trips to records that verify, and a tampered line fails at its seq', async () => {
    const text = await collect(exportAudit(store, { format: 'jsonl' }));
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(25);
    expect(
      await verifyRecords(parseJsonlExport([text]), { firstSeq: 1, prevHash: GENESIS_HASH }),
    ).toMatchObject({
      ok: true,
      count: 25,
      lastSeq: 25,
    });
    // Chunks split mid-line parse the same.
    const pieces = text.match(/[\s\S]{1,37}/g) ?? [];
    expect(await verifyRecords(parseJsonlExport(pieces))).toMatchObject({ ok: true, count: 25 });

    const tampered = lines.map((line, i) => (i === 9 ? line.replace('"status":null', '"status":200') : line));
    expect(tampered[9]).not.toBe(lines[9]);
    expect(await verifyRecords(parseJsonlExport([tampered.join('\n')]))).toMatchObject({
      ok: false,
      seq: 10,
      reason: 'hash_mismatch',
    });
    const dropped = lines.filter((_, i) => i !== 14);
    expect(await verifyRecords(parseJsonlExport([dropped.join('\n')]))).toMatchObject({
      ok: false,
      seq: 15,
      reason: 'seq_gap',
    });
  });

  it('exports a seq range, whose first prevHash anchors it', async () => {
    const text = await collect(exportAudit(store, { format: 'jsonl', fromSeq: 5, untilSeq: 9 }));
    const records: AuditRecord[] = [];
    for await (const r of parseJsonlExport([text])) records.push(r);
    expect(records.map((r) => r.seq)).toEqual([5, 6, 7, 8, 9]);
    const [fourth] = await store.queryAudit({ afterSeq: 3, limit: 1 });
    expect(await verifyRecords(records, { firstSeq: 5, prevHash: fourth?.hash ?? '' })).toMatchObject({
      ok: true,
      count: 5,
    });
    expect(await verifyRecords(records, { firstSeq: 5, prevHash: GENESIS_HASH })).toMatchObject({
      ok: false,
      seq: 5,
      reason: 'prev_hash_mismatch',
    });
  });

  it('CSV has a header, one row per record, and quotes cells that need it', async () => {
    const text = await collect(exportAudit(store, { format: 'csv', untilSeq: 5 }));
    const header = text.slice(0, text.indexOf('\n')).split(',');
    expect(header[0]).toBe('seq');
    expect(header).toContain('hash');
    expect(text).toContain('"has ""quotes"", commas\nand a newline"');
    expect(text).toContain('"{""i"":0,""nested"":{""list"":[0,null]}}"');
    // Header + 5 records; one record's cell holds a newline.
    expect(text.trimEnd().split('\n')).toHaveLength(7);
  });

  it('after retention the export starts at the anchor and still verifies against the store bounds', async () => {
    const now = () => new Date('2025-01-11T00:00:00.000Z');
    const result = await pruneAudit(store, { olderThanMs: 0, now });
    expect(result).toMatchObject({ removed: 10, anchorSeq: 10 });
    const bounds = await store.auditBounds();
    const text = await collect(exportAudit(store, { format: 'jsonl' }));
    expect(
      await verifyRecords(parseJsonlExport([text]), {
        firstSeq: bounds.firstSeq,
        prevHash: bounds.firstPrevHash,
      }),
    ).toMatchObject({
      ok: true,
      count: 15,
      lastSeq: 25,
    });
  });

  it('retention keeps what an audit sink has not delivered, and what a sink that never started would need', async () => {
    const later = () => new Date('2030-01-01T00:00:00.000Z');
    const lease = '2030-01-01T00:01:00.000Z';
    expect(await store.sinkCursors.claim('siem', 'replica-a', lease, false)).toBe(0);
    expect(await store.sinkCursors.advance('siem', 'replica-a', 18, lease)).toBe(true);
    // 'archive' is configured but has no cursor yet: it would start from the oldest record.
    expect(await pruneAudit(store, { olderThanMs: 0, now: later, sinks: ['siem', 'archive'] })).toMatchObject(
      {
        removed: 0,
        anchorSeq: 0,
      },
    );
    expect(await pruneAudit(store, { olderThanMs: 0, now: later, sinks: ['siem'] })).toMatchObject({
      removed: 18,
      anchorSeq: 18,
    });
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 7, lastSeq: 25 });
  });
});
