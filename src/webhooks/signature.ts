import { createHmac, timingSafeEqual } from 'node:crypto';

/** WorkOS's webhook signature header (REFERENCE.md §6.1); Node lower-cases header names. */
export const SIGNATURE_HEADER = 'workos-signature';

/** WorkOS's SDK default: a signature older than 3 minutes is refused. */
export const DEFAULT_TOLERANCE_MS = 180_000; // 3 minutes

/** Lower-case hex HMAC-SHA256 of `${timestampMs}.${body}` keyed with the secret as UTF-8 (§6.1). */
export function computeSignature(
  secret: string,
  timestampMs: number | string,
  body: string | Buffer,
): string {
  return createHmac('sha256', secret).update(`${timestampMs}.`).update(body).digest('hex');
}

/**
 * `t=<ms>, v1=<hex>[, v1=<hex>…]`, one v1 per secret, in the order given. The official SDK reads
 * only the first v1, so the secret an up-to-date receiver holds must come first.
 * @example signatureHeader(['whsec_new', 'whsec_old'], body) // 't=1700000000000, v1=…, v1=…'
 */
export function signatureHeader(
  secrets: readonly string[],
  body: string | Buffer,
  timestampMs = Date.now(),
): string {
  const parts = secrets.map((secret) => `v1=${computeSignature(secret, timestampMs, body)}`);
  return [`t=${timestampMs}`, ...parts].join(', ');
}

export type SignatureProblem = 'missing' | 'malformed' | 'stale' | 'mismatch';

export type SignatureCheck = { ok: true; timestampMs: number } | { ok: false; problem: SignatureProblem };

/** Splits the header into its timestamp and v1 signatures; ", " and "," both separate (§6.1). */
function parseHeader(header: string): { timestamp: string; signatures: string[] } | null {
  let timestamp: string | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && timestamp === null) timestamp = value;
    else if (key === 'v1') signatures.push(value);
  }
  if (timestamp === null || !/^\d{1,16}$/.test(timestamp) || signatures.length === 0) return null;
  return { timestamp, signatures };
}

function sameHex(expected: string, presented: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(presented)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(presented.toLowerCase(), 'hex'));
}

/**
 * Verifies a `WorkOS-Signature` header against the raw body: HMAC over `${t}.${body}`, compared in
 * constant time with every v1 offered (WorkOS may list several while it rotates). Unlike the SDK,
 * a timestamp too far in the FUTURE is refused as well: a captured request must not stay valid
 * for longer than the tolerance either way.
 */
export function verifySignature(input: {
  header: string | undefined;
  body: Buffer | string;
  secret: string;
  toleranceMs: number;
  now: number;
}): SignatureCheck {
  if (!input.header) return { ok: false, problem: 'missing' };
  const parsed = parseHeader(input.header);
  if (!parsed) return { ok: false, problem: 'malformed' };
  const timestampMs = Number(parsed.timestamp);
  if (Math.abs(input.now - timestampMs) > input.toleranceMs) return { ok: false, problem: 'stale' };
  const expected = computeSignature(input.secret, parsed.timestamp, input.body);
  const matched = parsed.signatures.some((signature) => sameHex(expected, signature));
  return matched ? { ok: true, timestampMs } : { ok: false, problem: 'mismatch' };
}
