import { hash } from 'node:crypto';
import type { AuditRecord, SealFunction } from '../store/types.js';

/**
 * JSON with object keys in code-point order at every depth, so the same record always gives the
 * same bytes whichever store or file it came from. Follows JSON.stringify otherwise (undefined
 * members dropped, non-finite numbers as null). `omitKey` leaves one top-level key out.
 */
export function canonicalJson(value: unknown, omitKey?: string): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  // As JSON.stringify does (a Date in details becomes its ISO string, not `{}`).
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out += (i > 0 ? ',' : '') + (item === undefined ? 'null' : canonicalJson(item));
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    const item = object[key];
    if (item === undefined || key === omitKey) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

/** Every field a sealed record has, but `hash`, in code-point order: the top level of its canonical JSON. */
const RECORD_KEYS = [
  'access',
  'agentId',
  'agentName',
  'area',
  'bytesIn',
  'bytesOut',
  'clientIp',
  'decision',
  'details',
  'endpointId',
  'kind',
  'latencyMs',
  'method',
  'organizationId',
  'path',
  'permission',
  'prevHash',
  'reason',
  'requestId',
  'resourceIds',
  'rule',
  'seq',
  'status',
  'time',
  'upstreamLatencyMs',
  'upstreamRequestId',
  'upstreamStatus',
  'userAgent',
].sort();
const KEY_PREFIXES = RECORD_KEYS.map((key, i) => `${i > 0 ? ',' : ''}${JSON.stringify(key)}:`);

/**
 * `canonicalJson(record, 'hash')` for a record with exactly the known fields, without sorting its
 * ~30 keys on every call (this runs once per audited call); anything else takes the general path.
 */
function canonicalRecordJson(record: Record<string, unknown>): string {
  const own = Object.keys(record).length - (Object.hasOwn(record, 'hash') ? 1 : 0);
  if (own !== RECORD_KEYS.length) return canonicalJson(record, 'hash');
  let out = '{';
  for (let i = 0; i < RECORD_KEYS.length; i++) {
    const key = RECORD_KEYS[i]!;
    if (!Object.hasOwn(record, key)) return canonicalJson(record, 'hash');
    const value = record[key];
    if (value === undefined) return canonicalJson(record, 'hash');
    out += KEY_PREFIXES[i] + canonicalJson(value);
  }
  return `${out}}`;
}

/**
 * The canonical JSON `sealRecord` hashes, built from values already encoded as JSON (`encoded[key]`
 * is the JSON text of that field): the store encodes each field once, stores those bytes and hashes
 * the same bytes. `encoded` must hold every field but `hash`.
 */
export function canonicalFromEncoded(encoded: Readonly<Record<string, string>>): string {
  let out = '{';
  for (let i = 0; i < RECORD_KEYS.length; i++) out += KEY_PREFIXES[i] + encoded[RECORD_KEYS[i]!];
  return `${out}}`;
}

/**
 * A sealed record as one line of JSON: the canonical JSON its hash was computed over, with `hash` added
 * last. The same record gives the same bytes whether the writer made them as it committed the record or
 * they were read back from any store; `parseJsonlExport` + `verifyRecords` check them like an export.
 */
export function lineFromCanonical(canonical: string, hash: string): string {
  return `${canonical.slice(0, -1)},"hash":${JSON.stringify(hash)}}`;
}

/** `lineFromCanonical` for a record read back from a store. */
export function recordLine(record: AuditRecord): string {
  return lineFromCanonical(canonicalRecordJson(record as unknown as Record<string, unknown>), record.hash);
}

/** The chain's formula over a record already in canonical JSON (see `canonicalFromEncoded`). */
export function sealCanonical(prevHash: string, canonical: string): string {
  return hash('sha256', prevHash + canonical, 'hex');
}

/**
 * The chain's formula: hex SHA-256 of `prevHash` followed by the canonical JSON of every field
 * of the record except `hash` (prevHash and seq included, so a record cannot be moved).
 * @example const hash = sealRecord({ ...draft, seq: 1, prevHash: GENESIS_HASH });
 */
export const sealRecord: SealFunction = (record) =>
  sealCanonical(record.prevHash, canonicalRecordJson(record as unknown as Record<string, unknown>));
