import {
  capText,
  DROPPED_KEY,
  MAX_BODY_VALUES,
  MAX_FIELDS,
  MAX_NAME_CHARS,
  MAX_VALUE_CHARS,
} from './bound.js';

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

/**
 * Values that are secrets whatever their field is called: WorkOS keys and webhook secrets, Bollard
 * tokens, HTTP credentials (`Bearer …`, `Basic …`), JWTs (`eyJ….eyJ….sig`: access, ID and logout tokens)
 * and PEM private keys.
 */
const SECRET_VALUE =
  /^(sk_(live|test)_|bol_|boladm_|whsec_)|^\s*(bearer|basic)\s|^eyJ[\w-]+\.[\w-]+\.[\w-]*$|-----BEGIN [A-Z ]*PRIVATE KEY-----/i;

/** Deepest nesting followed. */
const MAX_DEPTH = 8;

/**
 * Keys that name the field a sibling `value` holds: `{"name": "password", "value": "…"}`,
 * `{"key": "api_key", "value": "…"}` (custom attributes, headers as lists, vault and integration settings).
 */
const PAIR_NAME_KEYS = ['name', 'key', 'field', 'header'];

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

/** A string value as stored: secret-looking ones redacted, long ones cut with a marker. */
function redactText(value: string): string {
  if (SECRET_VALUE.test(value)) return REDACTED;
  return capText(value, MAX_VALUE_CHARS);
}

/** How many more values one body summary may keep. */
interface Budget {
  left: number;
}

function redactValue(
  value: unknown,
  isSecret: (name: string) => boolean,
  depth: number,
  budget: Budget,
): Redacted {
  budget.left--;
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return redactArray(value, isSecret, depth, budget);
  if (typeof value === 'object')
    return redactObject(value as Record<string, unknown>, isSecret, depth, budget);
  // Functions, symbols, bigints: nothing a parsed body holds; never stored.
  return REDACTED;
}

function redactArray(
  items: unknown[],
  isSecret: (name: string) => boolean,
  depth: number,
  budget: Budget,
): Redacted[] {
  const out: Redacted[] = [];
  for (const item of items) {
    if (out.length >= MAX_FIELDS || budget.left <= 0) break;
    out.push(redactValue(item, isSecret, depth + 1, budget));
  }
  if (out.length < items.length) out.push(`${DROPPED_KEY} ${items.length - out.length} items`);
  return out;
}

function redactObject(
  object: Record<string, unknown>,
  isSecret: (name: string) => boolean,
  depth: number,
  budget: Budget,
): { [key: string]: Redacted } {
  const out: { [key: string]: Redacted } = {};
  const pair = pairOf(object);
  // A pair whose name is secret hides its value: {"name": "password", "value": "…"}.
  const secretPair = pair !== null && isSecret(pair.name);
  const keys = Object.keys(object);
  let kept = 0;
  for (const key of keys) {
    if (kept >= MAX_FIELDS || budget.left <= 0) break;
    kept++;
    const name = capText(key, MAX_NAME_CHARS);
    // The pair's name field is a name, not a secret, even when it is called `key`.
    if (pair !== null && key === pair.nameKey)
      out[name] = redactValue(object[key], isSecret, depth + 1, budget);
    // A secret name hides the whole value, object or array included.
    else if (isSecret(key) || (secretPair && key === 'value')) {
      budget.left--;
      out[name] = REDACTED;
    } else out[name] = redactValue(object[key], isSecret, depth + 1, budget);
  }
  if (kept < keys.length) out[DROPPED_KEY] = keys.length - kept;
  return out;
}

/** The field a `{name|key|field|header, value}` object stands for, or null when it is not such a pair. */
function pairOf(object: Record<string, unknown>): { nameKey: string; name: string } | null {
  if (!Object.hasOwn(object, 'value')) return null;
  for (const nameKey of PAIR_NAME_KEYS) {
    const name = object[nameKey];
    if (typeof name === 'string') return { nameKey, name };
  }
  return null;
}

/**
 * A copy of a parsed request body (JSON value or form fields) safe to store: every field name
 * kept, secret ones with the value `"[redacted]"`, nested objects and arrays followed.
 * @example redactBody({ email: 'a@b.c', password: 'x' }, []) // { email: 'a@b.c', password: '[redacted]' }
 */
export function redactBody(body: unknown, requestSecrets: readonly string[] = NO_EXTRA): Redacted {
  return redactValue(body, secretFieldMatcher(requestSecrets), 0, { left: MAX_BODY_VALUES });
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
  let kept = 0;
  let dropped = 0;
  for (const [key, value] of params) {
    if (kept >= MAX_FIELDS) {
      dropped++;
      continue;
    }
    kept++;
    const safe = isSecret(key) ? REDACTED : redactText(value);
    const name = capText(key, MAX_NAME_CHARS);
    const existing = out[name];
    if (existing === undefined) out[name] = safe;
    else if (Array.isArray(existing)) existing.push(safe);
    else out[name] = [existing, safe];
  }
  if (dropped > 0) out[DROPPED_KEY] = dropped;
  return out;
}
