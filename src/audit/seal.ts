import { hash } from 'node:crypto';
import type { AuditRecord, SealFunction } from '../store/types.js';

/**
 * JSON with object keys in code-point order at every depth, so the same record always gives the
 * same bytes whichever store or file it came from. Follows JSON.stringify otherwise (undefined
 * members dropped, non-finite numbers as null).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  const entries = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/**
 * The chain's formula: hex SHA-256 of `prevHash` followed by the canonical JSON of every field
 * of the record except `hash` (prevHash and seq included, so a record cannot be moved).
 * @example const hash = sealRecord({ ...draft, seq: 1, prevHash: GENESIS_HASH });
 */
export const sealRecord: SealFunction = (record) => {
  const { hash: _ignored, ...content } = record as Omit<AuditRecord, 'hash'> & { hash?: string };
  return hash('sha256', record.prevHash + canonicalJson(content), 'hex');
};
