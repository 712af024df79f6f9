import { hash } from 'node:crypto';
import type { SealFunction } from '../store/types.js';

/**
 * JSON with object keys in code-point order at every depth, so the same record always gives the
 * same bytes whichever store or file it came from. Follows JSON.stringify otherwise (undefined
 * members dropped, non-finite numbers as null). `omitKey` leaves one top-level key out.
 */
export function canonicalJson(value: unknown, omitKey?: string): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
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

/**
 * The chain's formula: hex SHA-256 of `prevHash` followed by the canonical JSON of every field
 * of the record except `hash` (prevHash and seq included, so a record cannot be moved).
 * @example const hash = sealRecord({ ...draft, seq: 1, prevHash: GENESIS_HASH });
 */
export const sealRecord: SealFunction = (record) =>
  hash('sha256', record.prevHash + canonicalJson(record, 'hash'), 'hex');
