import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sealRecord } from '../src/audit/seal.js';
import { newRequestId } from '../src/gateway/request-id.js';
import {
  encodeDrafts,
  GENESIS_HASH,
  normalizeDraft,
  recordOfEncoded,
  sealDrafts,
} from '../src/store/chain.js';
import type { AuditDraft, AuditRecord } from '../src/store/types.js';
import { makeDraft } from './store-harness.js';

const text = fc.oneof(fc.string(), fc.constant('a\u0000b'), fc.constant('é 日本 🔒'), fc.constant(null));
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(-0),
  fc.constant(null),
);
const json = fc.jsonValue();
const draft = fc
  .record({
    requestId: fc.string(),
    agentName: text,
    path: text,
    userAgent: text,
    status: number,
    latencyMs: number,
    bytesIn: number,
    resourceIds: fc.array(fc.oneof(fc.string(), fc.integer())),
    details: fc.dictionary(fc.string(), fc.oneof(json, fc.constant(undefined))),
  })
  .map((fields) => makeDraft(fields as unknown as Partial<AuditDraft>));

describe('encoding a record once', () => {
  it('hashes exactly what sealRecord hashes over the normalized record, and reads back as that record', () => {
    fc.assert(
      fc.property(fc.array(draft, { minLength: 1, maxLength: 4 }), (drafts) => {
        const head = { seq: 41, hash: GENESIS_HASH.replaceAll('0', 'a') };
        const fast = encodeDrafts(drafts, head, sealRecord);
        const general = sealDrafts(drafts.map(normalizeDraft), head, (r) => sealRecord(r));
        expect(fast.map((r) => r.hash)).toEqual(general.map((r) => r.hash));
        expect(fast.map(recordOfEncoded)).toEqual(general);
      }),
      { numRuns: 300 },
    );
  });

  it('takes the general path for another seal function, with the same chain links', () => {
    const drafts = [makeDraft({ requestId: 'a' }), makeDraft({ requestId: 'b' })];
    const custom = (record: Omit<AuditRecord, 'hash'>) => `h${record.seq}`;
    const rows = encodeDrafts(drafts, { seq: 0, hash: GENESIS_HASH }, custom);
    expect(rows.map((r) => [r.seq, r.prevHash, r.hash])).toEqual([
      [1, GENESIS_HASH, 'h1'],
      [2, 'h1', 'h2'],
    ]);
  });
});

describe('request ids', () => {
  it('keep the req_ prefix, sort by time, and do not repeat', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => newRequestId(1_700_000_000_000 + i));
    expect(ids.every((id) => /^req_[0-9a-hjkmnp-tv-z]{26}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // Same millisecond: the random part differs (80 bits from the pooled CSPRNG buffer).
    const same = Array.from({ length: 1_000 }, () => newRequestId(5));
    expect(new Set(same).size).toBe(same.length);
    expect(new Set(same.map((id) => id.slice(0, 14))).size).toBe(1);
  });
});
