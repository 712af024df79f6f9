import type { KeyObject } from 'node:crypto';
import type { AuditRecord } from '../store/types.js';
import {
  CHECKPOINT_REQUEST_ID,
  type Checkpoint,
  checkpointProblem,
  isCheckpoint,
  pinnedKeys,
} from './checkpoint.js';
import { type ChainAnchor, type VerifyResult, verifyRecords } from './verify.js';

export type CheckpointVerifyResult =
  | {
      ok: true;
      count: number;
      lastSeq: number;
      lastHash: string;
      /** How many checkpoints fell inside the records' range and matched. */
      checkpointsMatched: number;
      /** The newest checkpoint's head seq (0 when none was given). */
      newestCheckpoint: number;
    }
  | Exclude<VerifyResult, { ok: true }>
  | {
      ok: false;
      /** The first seq that does not check out. */
      seq: number;
      reason: 'checkpoint_mismatch' | 'missing_records';
      expected: string;
      actual: string;
      /** For `missing_records`: the seqs a checkpoint vouches for that the log no longer holds. */
      missing?: { from: number; to: number };
    };

/** A checkpoint file that cannot be trusted: verification stops, whatever the records say. */
export class UntrustedCheckpointError extends Error {
  constructor(
    readonly seq: number,
    problem: string,
  ) {
    super(`the checkpoint for seq ${seq} is refused: ${problem}`);
    this.name = 'UntrustedCheckpointError';
  }
}

/**
 * Checks every checkpoint's signature with the pinned key (or, after a rotation, the pinned key it names) and
 * answers them in seq order; throws `UntrustedCheckpointError` for the first that does not verify (a tampered
 * checkpoint is refused, not skipped).
 */
export function trustedCheckpoints(
  checkpoints: readonly Checkpoint[],
  keys: readonly KeyObject[],
): Checkpoint[] {
  const pinned = pinnedKeys(keys);
  for (const checkpoint of checkpoints) {
    const problem = checkpointProblem(checkpoint, pinned);
    if (problem) throw new UntrustedCheckpointError(Number(checkpoint.seq), problem);
  }
  return [...checkpoints].sort((a, b) => a.seq - b.seq);
}

/**
 * Verifies records as `verifyRecords` does and against checkpoints kept outside: every record a checkpoint
 * names must carry the hash it signed (a partial export's first `prevHash` included), and the records must
 * reach the newest checkpoint — rows deleted from the end are reported as the missing range.
 * The checkpoints must already be trusted (`trustedCheckpoints`).
 * @example await verifyWithCheckpoints(parseJsonlExport(stream), trustedCheckpoints(cps, [key]));
 */
export async function verifyWithCheckpoints(
  records: Iterable<AuditRecord> | AsyncIterable<AuditRecord>,
  checkpoints: readonly Checkpoint[],
  anchor?: ChainAnchor,
): Promise<CheckpointVerifyResult> {
  const bySeq = new Map(checkpoints.map((c) => [c.seq, c]));
  let mismatch: CheckpointVerifyResult | null = null;
  let matched = 0;
  async function* checked(): AsyncIterable<AuditRecord> {
    let first = true;
    for await (const record of records) {
      const before = first ? bySeq.get(record.seq - 1) : undefined;
      first = false;
      if (before) {
        if (before.hash !== record.prevHash) {
          mismatch = checkpointMismatch(record.seq - 1, before.hash, record.prevHash);
          return;
        }
        matched++;
      }
      const at = bySeq.get(record.seq);
      if (at) {
        if (at.hash !== record.hash) {
          mismatch = checkpointMismatch(record.seq, at.hash, record.hash);
          return;
        }
        matched++;
      }
      yield record;
    }
  }
  const result = await verifyRecords(checked(), anchor);
  if (mismatch) return mismatch;
  if (!result.ok) return result;
  const newest = checkpoints.at(-1)?.seq ?? 0;
  if (newest > result.lastSeq) {
    return {
      ok: false,
      seq: result.lastSeq + 1,
      reason: 'missing_records',
      expected: `records up to seq ${newest} (checkpoint signed ${checkpoints.at(-1)?.time})`,
      actual: result.count === 0 ? 'no records' : `the log ends at seq ${result.lastSeq}`,
      missing: { from: result.lastSeq + 1, to: newest },
    };
  }
  return { ...result, checkpointsMatched: matched, newestCheckpoint: newest };
}

function checkpointMismatch(seq: number, expected: string, actual: string): CheckpointVerifyResult {
  return { ok: false, seq, reason: 'checkpoint_mismatch', expected, actual };
}

/**
 * The checkpoints in a text: JSON Lines or one JSON document (an array, or `{data: [...]}` as the admin API
 * answers). A line may be a checkpoint, a checkpoint record of the chain (what sinks carry), or either one
 * wrapped by a sink format (`{"event": …}`, `{"bollard_audit": …}`, `{"bollard": …}`); other lines are skipped.
 */
export function parseCheckpoints(text: string): Checkpoint[] {
  const trimmed = text.trim();
  const values: unknown[] = [];
  if (trimmed.startsWith('[') || (trimmed.startsWith('{"data"') && !trimmed.includes('\n'))) {
    const parsed = JSON.parse(trimmed) as unknown;
    values.push(...(Array.isArray(parsed) ? parsed : ((parsed as { data?: unknown[] }).data ?? [])));
  } else {
    for (const [i, line] of trimmed.split('\n').entries()) {
      if (line.trim() === '') continue;
      try {
        values.push(JSON.parse(line));
      } catch {
        throw new Error(`line ${i + 1} of the checkpoints is not JSON`);
      }
    }
  }
  const out: Checkpoint[] = [];
  for (const value of values) {
    const checkpoint = checkpointIn(value, 0);
    if (checkpoint) out.push(checkpoint);
  }
  return out;
}

function checkpointIn(value: unknown, depth: number): Checkpoint | null {
  if (typeof value !== 'object' || value === null || depth > 2) return null;
  if (isCheckpoint(value)) return value;
  const object = value as Record<string, unknown>;
  if (object.requestId === CHECKPOINT_REQUEST_ID && typeof object.details === 'object' && object.details)
    return checkpointIn((object.details as Record<string, unknown>).checkpoint, depth + 1);
  for (const key of ['event', 'bollard_audit', 'bollard', 'checkpoint']) {
    const found = checkpointIn(object[key], depth + 1);
    if (found) return found;
  }
  return null;
}
