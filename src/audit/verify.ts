import { GENESIS_HASH } from '../store/chain.js';
import type { AuditRecord, Store } from '../store/types.js';
import { sealRecord } from './seal.js';

/** Where a chain segment starts: the seq of its first record and the hash that record must point back to. */
export interface ChainAnchor {
  firstSeq: number;
  prevHash: string;
}

export type VerifyResult =
  | { ok: true; count: number; lastSeq: number; lastHash: string }
  | {
      ok: false;
      /** The first record that does not check out (for a cut-off tail: the first missing seq). */
      seq: number;
      reason: 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'head_mismatch';
      expected: string;
      actual: string;
    };

/**
 * Checks records in order against an anchor: seqs gapless from `anchor.firstSeq`, each prevHash
 * equal to the hash before, each hash equal to the recomputed seal. Reports the FIRST break.
 * Without an anchor, the first record's own seq and prevHash are trusted (an exported excerpt).
 */
export async function verifyRecords(
  records: Iterable<AuditRecord> | AsyncIterable<AuditRecord>,
  anchor?: ChainAnchor,
): Promise<VerifyResult> {
  let expectedSeq = anchor?.firstSeq;
  let expectedPrev = anchor?.prevHash;
  let count = 0;
  let lastSeq = (anchor?.firstSeq ?? 1) - 1;
  let lastHash = anchor?.prevHash ?? GENESIS_HASH;
  for await (const record of records) {
    if (expectedSeq !== undefined && record.seq !== expectedSeq) {
      return {
        ok: false,
        seq: expectedSeq,
        reason: 'seq_gap',
        expected: String(expectedSeq),
        actual: String(record.seq),
      };
    }
    if (expectedPrev !== undefined && record.prevHash !== expectedPrev) {
      return {
        ok: false,
        seq: record.seq,
        reason: 'prev_hash_mismatch',
        expected: expectedPrev,
        actual: record.prevHash,
      };
    }
    const recomputed = sealRecord(record);
    if (recomputed !== record.hash) {
      return {
        ok: false,
        seq: record.seq,
        reason: 'hash_mismatch',
        expected: recomputed,
        actual: record.hash,
      };
    }
    count++;
    lastSeq = record.seq;
    lastHash = record.hash;
    expectedSeq = record.seq + 1;
    expectedPrev = record.hash;
  }
  return { ok: true, count, lastSeq, lastHash };
}

/**
 * Walks the store's chain from the retained anchor to the head it reported when the walk began,
 * and also checks that the head matches the last record (a cut-off tail is a break too).
 * @example const result = await verifyChain(store); if (!result.ok) console.log(result.seq, result.reason);
 */
export async function verifyChain(store: Store): Promise<VerifyResult> {
  const bounds = await store.auditBounds();
  const records = takeUntil(store.scanAudit(bounds.firstSeq), bounds.lastSeq);
  const result = await verifyRecords(records, { firstSeq: bounds.firstSeq, prevHash: bounds.firstPrevHash });
  if (!result.ok) return result;
  if (result.lastSeq !== bounds.lastSeq) {
    return {
      ok: false,
      seq: result.lastSeq + 1,
      reason: 'seq_gap',
      expected: String(bounds.lastSeq),
      actual: String(result.lastSeq),
    };
  }
  if (result.lastHash !== bounds.lastHash) {
    return {
      ok: false,
      seq: result.lastSeq,
      reason: 'head_mismatch',
      expected: bounds.lastHash,
      actual: result.lastHash,
    };
  }
  return result;
}

/** Records appended after the walk began are left for the next verify. */
async function* takeUntil(records: AsyncIterable<AuditRecord>, lastSeq: number): AsyncIterable<AuditRecord> {
  for await (const record of records) {
    if (record.seq > lastSeq) return;
    yield record;
  }
}
