import type { AuditDraft, AuditRecord, SealFunction } from './types.js';

/** The prevHash of the very first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The chain's head as both stores keep it: the last seq and its hash. */
export interface ChainHead {
  seq: number;
  hash: string;
}

const INTEGER_FIELDS = ['status', 'upstreamStatus', 'bytesIn', 'bytesOut'] as const;
const NUMBER_FIELDS = ['latencyMs', 'upstreamLatencyMs'] as const;
const STRING_FIELDS = [
  'requestId',
  'agentId',
  'agentName',
  'endpointId',
  'area',
  'permission',
  'reason',
  'rule',
  'method',
  'path',
  'organizationId',
  'upstreamRequestId',
  'clientIp',
  'userAgent',
] as const;

function finiteOrNull(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : value;
}

/** PostgreSQL text cannot hold U+0000; one hostile header must not fail a whole batch of records. */
function withoutNul(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

/**
 * Puts a draft in the exact form both databases hand back, so the hash sealed now is the hash
 * `verify` recomputes later: only the AuditDraft fields (an extra property would be hashed but
 * not stored), details and resource ids through a JSON round-trip (drops undefined, NaN → null),
 * integer columns rounded, non-finite numbers null, NUL characters replaced.
 */
export function normalizeDraft(draft: AuditDraft): AuditDraft {
  const out: Record<string, unknown> = {
    kind: draft.kind,
    time: withoutNul(String(draft.time)),
    access: draft.access ?? null,
    decision: draft.decision ?? null,
    resourceIds: (JSON.parse(JSON.stringify(draft.resourceIds ?? [])) as unknown[]).map((id) =>
      withoutNul(String(id)),
    ),
    details: JSON.parse(JSON.stringify(draft.details ?? {})) as Record<string, unknown>,
  };
  for (const key of INTEGER_FIELDS) {
    const value = finiteOrNull(draft[key] ?? null);
    out[key] = value === null ? null : Math.round(value);
  }
  for (const key of NUMBER_FIELDS) out[key] = finiteOrNull(draft[key] ?? null);
  for (const key of STRING_FIELDS) {
    const value = draft[key] ?? null;
    out[key] = value === null ? null : withoutNul(String(value));
  }
  // The one text column that may not be null: a missing id must not fail the whole batch.
  out.requestId ??= '';
  return out as unknown as AuditDraft;
}

/** Gives each draft its seq and links it to the one before, starting after `head`. */
export function sealDrafts(drafts: AuditDraft[], head: ChainHead, seal: SealFunction): AuditRecord[] {
  const records: AuditRecord[] = [];
  let prev = head;
  for (const draft of drafts) {
    const unsealed = { ...normalizeDraft(draft), seq: prev.seq + 1, prevHash: prev.hash };
    const record: AuditRecord = { ...unsealed, hash: seal(unsealed) };
    records.push(record);
    prev = { seq: record.seq, hash: record.hash };
  }
  return records;
}
