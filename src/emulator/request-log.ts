import type { Json, JsonObject } from './json.js';

/** One request as `GET /_emulator/requests` reports it, secrets masked. */
export interface LoggedRequest {
  time: string;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** The query string as received, encoding intact (`a[]=1`, `a%5B0%5D=1`, `a=1%2C2`), secret values masked. */
  rawQuery: string;
  status: number;
  headers: Record<string, string>;
  body: Json;
}

// Body and query fields whose values are secrets (REFERENCE.md §8 "Secrets in requests").
const SECRET_FIELDS = new Set([
  'password',
  'password_hash',
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'pending_authentication_token',
  'secret',
  'token',
  'totp_secret',
]);
const MASK = '***';
// Keeps at most this many entries so a long demo cannot grow memory without bound.
const MAX_ENTRIES = 5000;

/** The log of API requests received (control calls excluded), newest last. */
export class RequestLog {
  private entries: LoggedRequest[] = [];

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
  }

  list(): LoggedRequest[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}

/**
 * `Bearer sk_test_abc…` → `Bearer sk_test_***`: the token's type prefix stays visible so a test
 * can tell an API key from an agent token, the secret part never is.
 */
export function maskAuthorization(value: string): string {
  const match = /^(\S+)\s+([a-z]+_(?:test_|live_)?)?/i.exec(value);
  if (!match) return MASK;
  return `${match[1]} ${match[2] ?? ''}${MASK}`;
}

/** Header names lower-cased, `Authorization` masked. */
export function maskHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(', ') : value;
    out[name.toLowerCase()] = name.toLowerCase() === 'authorization' ? maskAuthorization(joined) : joined;
  }
  return out;
}

/** A copy of a JSON value with every secret field (at any depth) replaced by `***`. */
export function maskSecrets(value: Json): Json {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, field] of Object.entries(value)) {
      out[key] = SECRET_FIELDS.has(key) && field !== null ? MASK : maskSecrets(field);
    }
    return out;
  }
  return value;
}

/** Query parameters as an object, secret ones masked; a repeated key (`a=1&a=2`) keeps every value, in order. */
export function maskQuery(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, raw] of query) {
    const value = SECRET_FIELDS.has(key) ? MASK : raw;
    const seen = out[key];
    out[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return out;
}

/** The query string (without `?`) with its encoding intact, the values of secret keys masked. */
export function maskRawQuery(search: string): string {
  return search
    .split('&')
    .map((pair) => {
      const key = new URLSearchParams(pair).keys().next().value;
      return key !== undefined && SECRET_FIELDS.has(key) ? `${pair.split('=')[0]}=${MASK}` : pair;
    })
    .join('&');
}
