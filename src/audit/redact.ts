/**
 * Redaction for the audit log: the record keeps that a secret field was present, never its value.
 * Names are compared case-insensitively with `_`, `-` and `.` ignored, so `client_secret`,
 * `clientSecret` and `Client-Secret` are one name.
 */

export const REDACTED = '[redacted]';

/** Field names that are secret wherever they appear (exact, after normalising). */
const SECRET_NAMES = [
  'password',
  'password_hash',
  'client_secret',
  'code',
  'token',
  'refresh_token',
  'access_token',
  'id_token',
  'secret',
  'api_key',
  'totp_code',
  'pending_authentication_token',
  'email_verification_code',
  'magic_auth_code',
  'code_verifier',
  'authorization',
  'cookie',
  'session',
  'sealed_session',
  'private_key',
  'otp',
  'key',
  'signature',
];

/** Parts that make any name containing them secret (`new_password`, `webhook_secret`, `x_api_key`…). */
const SECRET_PARTS = ['password', 'secret', 'token', 'apikey', 'privatekey', 'credential', 'passcode'];

/** Endings that make a name secret: one-time codes come as `*_code` (`authorization_code`, `magic_auth_code`…). */
const SECRET_ENDINGS = ['code', 'otp'];

/** Values that are secrets whatever their field is called: WorkOS keys, Bollard tokens, bearer credentials. */
const SECRET_VALUE = /^(sk_(live|test)_|bol_)|^\s*bearer\s/i;

/** Longest string value kept (longer ones are cut, as the log is for facts, not payloads). */
const MAX_STRING = 256;
/** Most items kept from an array, and deepest nesting followed. */
const MAX_ITEMS = 50;
const MAX_DEPTH = 8;

export type Redacted = string | number | boolean | null | Redacted[] | { [key: string]: Redacted };

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[_.\-\s]/g, '');
}

/** Matchers by their `extra` list: the catalog's lists are long-lived arrays, so each is built once, not per call. */
const matchers = new WeakMap<readonly string[], (name: string) => boolean>();
const NO_EXTRA: readonly string[] = [];

/** A predicate for "is this field name secret", from the built-in list plus the catalog's `requestSecrets`. */
export function secretFieldMatcher(extra: readonly string[] = NO_EXTRA): (name: string) => boolean {
  let matcher = matchers.get(extra);
  if (!matcher) {
    matcher = buildMatcher(extra);
    matchers.set(extra, matcher);
  }
  return matcher;
}

function buildMatcher(extra: readonly string[]): (name: string) => boolean {
  // Catalog entries may be dotted paths; the last segment names the field.
  const exact = new Set(
    [...SECRET_NAMES, ...extra.map((path) => path.split('.').pop() ?? path)].map(normalizeName),
  );
  return (name) => {
    const normal = normalizeName(name);
    return (
      exact.has(normal) ||
      SECRET_PARTS.some((part) => normal.includes(part)) ||
      SECRET_ENDINGS.some((ending) => normal.endsWith(ending))
    );
  };
}

function redactScalar(value: string | number | boolean | null): Redacted {
  if (typeof value !== 'string') return value;
  if (SECRET_VALUE.test(value)) return REDACTED;
  return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
}

function redactValue(value: unknown, isSecret: (name: string) => boolean, depth: number): Redacted {
  if (value === undefined) return null;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return redactScalar(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) {
    return value.slice(0, MAX_ITEMS).map((item) => redactValue(item, isSecret, depth + 1));
  }
  if (typeof value === 'object') {
    const out: { [key: string]: Redacted } = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      // A secret name hides the whole value, object or array included.
      out[key] = isSecret(key) ? REDACTED : redactValue(item, isSecret, depth + 1);
    }
    return out;
  }
  // Functions, symbols, bigints: nothing a parsed body holds; never stored.
  return REDACTED;
}

/**
 * A copy of a parsed request body (JSON value or form fields) safe to store: every field name
 * kept, secret ones with the value `"[redacted]"`, nested objects and arrays followed.
 * @example redactBody({ email: 'a@b.c', password: 'x' }, []) // { email: 'a@b.c', password: '[redacted]' }
 */
export function redactBody(body: unknown, requestSecrets: readonly string[] = NO_EXTRA): Redacted {
  return redactValue(body, secretFieldMatcher(requestSecrets), 0);
}

/**
 * A query string as an object safe to store; repeated names become arrays.
 * @example redactQuery('?client_id=c&code=123') // { client_id: 'c', code: '[redacted]' }
 */
export function redactQuery(
  query: string | URLSearchParams,
  requestSecrets: readonly string[] = NO_EXTRA,
): Record<string, Redacted> {
  const params = typeof query === 'string' ? new URLSearchParams(query) : query;
  const isSecret = secretFieldMatcher(requestSecrets);
  const out: Record<string, Redacted> = {};
  for (const [key, value] of params) {
    const safe = isSecret(key) ? REDACTED : redactScalar(value);
    const existing = out[key];
    if (existing === undefined) out[key] = safe;
    else out[key] = Array.isArray(existing) ? [...existing, safe] : [existing, safe];
  }
  return out;
}
