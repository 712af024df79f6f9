import { canonicalFromEncoded, canonicalJson, sealCanonical, sealRecord } from '../audit/seal.js';
import { AUDIT_COLUMNS, auditRowValues } from './rows.js';
import type { AuditDraft, AuditRecord, ChainLink, SealFunction } from './types.js';

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

/** One sealed record as the stores write it: its column values (`AUDIT_COLUMNS` order) and links. */
export interface EncodedRecord extends ChainLink {
  /** The row's values in `AUDIT_COLUMNS` order, JSON fields as the text that was hashed. */
  values: unknown[];
  /** The canonical JSON the hash was computed over (standard seal only): a feed makes the record's line from it. */
  canonical?: string;
}

/** One draft, normalized (as `normalizeDraft`) and every field encoded as JSON once. */
interface EncodedDraft {
  /** Column values but seq, prev_hash and hash, in `AUDIT_COLUMNS` order. */
  values: unknown[];
  /** The JSON text of every record field but seq, prevHash and hash, by field name. */
  json: Record<string, string>;
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : withoutNul(String(value));
}

function integer(value: number | null | undefined): number | null {
  const finite = finiteOrNull(value ?? null);
  return finite === null ? null : Math.round(finite);
}

function resourceIdsOf(ids: readonly unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const id of ids ?? []) {
    // Strings (the real case) as they are; anything else as a JSON round-trip would have it.
    const value = typeof id === 'string' ? id : String(JSON.parse(JSON.stringify(id ?? null) ?? 'null'));
    out.push(withoutNul(value));
  }
  return out;
}

/**
 * `normalizeDraft` and the JSON of each field in one pass, without building the record object: the
 * same bytes are stored (details and resource ids) and hashed. Values are what `normalizeDraft` gives.
 */
function encodeDraft(draft: AuditDraft): EncodedDraft {
  const kind = draft.kind;
  const time = withoutNul(String(draft.time));
  const requestId = text(draft.requestId) ?? '';
  const agentId = text(draft.agentId);
  const agentName = text(draft.agentName);
  const endpointId = text(draft.endpointId);
  const area = text(draft.area);
  const access = draft.access ?? null;
  const permission = text(draft.permission);
  const decision = draft.decision ?? null;
  const reason = text(draft.reason);
  const rule = text(draft.rule);
  const method = text(draft.method);
  const path = text(draft.path);
  const organizationId = text(draft.organizationId);
  const resourceIds = JSON.stringify(resourceIdsOf(draft.resourceIds));
  const status = integer(draft.status);
  const upstreamStatus = integer(draft.upstreamStatus);
  const upstreamRequestId = text(draft.upstreamRequestId);
  const latencyMs = finiteOrNull(draft.latencyMs ?? null);
  const upstreamLatencyMs = finiteOrNull(draft.upstreamLatencyMs ?? null);
  const bytesIn = integer(draft.bytesIn);
  const bytesOut = integer(draft.bytesOut);
  const clientIp = text(draft.clientIp);
  const userAgent = text(draft.userAgent);
  const details = canonicalJson(draft.details ?? {});
  const j = JSON.stringify;
  return {
    // biome-ignore format: one value per column, in AUDIT_COLUMNS order
    values: [kind, time, requestId, agentId, agentName, endpointId, area, access, permission, decision, reason,
      rule, method, path, organizationId, resourceIds, status, upstreamStatus, upstreamRequestId, latencyMs,
      upstreamLatencyMs, bytesIn, bytesOut, clientIp, userAgent, details],
    json: {
      access: j(access),
      agentId: j(agentId),
      agentName: j(agentName),
      area: j(area),
      bytesIn: j(bytesIn),
      bytesOut: j(bytesOut),
      clientIp: j(clientIp),
      decision: j(decision),
      details,
      endpointId: j(endpointId),
      kind: j(kind),
      latencyMs: j(latencyMs),
      method: j(method),
      organizationId: j(organizationId),
      path: j(path),
      permission: j(permission),
      reason: j(reason),
      requestId: j(requestId),
      resourceIds,
      rule: j(rule),
      status: j(status),
      time: j(time),
      upstreamLatencyMs: j(upstreamLatencyMs),
      upstreamRequestId: j(upstreamRequestId),
      upstreamStatus: j(upstreamStatus),
      userAgent: j(userAgent),
    },
  };
}

// Stand-ins that JSON never produces (a control character inside a JSON string is always escaped).
const PREV_MARK = '\u0001prev\u0001';
const SEQ_MARK = '\u0001seq\u0001';

/**
 * A draft's canonical JSON cut around the two values only the chain's writer knows: the record's
 * canonical JSON is `before + JSON(prevHash) + between + seq + after`. PostgreSQL seals from these
 * pieces inside its append function, so the chain head is read, extended and written in one statement.
 */
export function canonicalPieces(draft: AuditDraft): { values: unknown[]; pieces: [string, string, string] } {
  const { values, json } = encodeDraft(draft);
  const canonical = canonicalFromEncoded({ ...json, prevHash: PREV_MARK, seq: SEQ_MARK });
  const [before = '', rest = ''] = canonical.split(PREV_MARK);
  const [between = '', after = ''] = rest.split(SEQ_MARK);
  return { values, pieces: [before, between, after] };
}

/**
 * Seals drafts after `head` as `sealDrafts` does, but returns the rows to store rather than record
 * objects, each field encoded once and hashed from the same bytes. With a custom seal function
 * (tests) it takes the general path.
 */
export function encodeDrafts(
  drafts: readonly AuditDraft[],
  head: ChainHead,
  seal: SealFunction,
): EncodedRecord[] {
  const out: EncodedRecord[] = [];
  let prev = head;
  for (const draft of drafts) {
    const seq = prev.seq + 1;
    let values: unknown[];
    let hash: string;
    let canonical: string | undefined;
    if (seal === sealRecord) {
      const encoded = encodeDraft(draft);
      encoded.json.prevHash = JSON.stringify(prev.hash);
      encoded.json.seq = String(seq);
      canonical = canonicalFromEncoded(encoded.json);
      hash = sealCanonical(prev.hash, canonical);
      values = [seq, ...encoded.values, prev.hash, hash];
    } else {
      const [record] = sealDrafts([draft], prev, seal) as [AuditRecord];
      hash = record.hash;
      values = auditRowValues(record);
    }
    out.push({ seq, prevHash: prev.hash, hash, values, canonical });
    prev = { seq, hash };
  }
  return out;
}

/** The record an encoded row reads back as. */
export function recordOfEncoded(encoded: EncodedRecord): AuditRecord {
  const record: Record<string, unknown> = {};
  AUDIT_COLUMNS.forEach(([, field], i) => {
    const value = encoded.values[i];
    record[field] = field === 'details' || field === 'resourceIds' ? JSON.parse(value as string) : value;
  });
  return record as unknown as AuditRecord;
}
