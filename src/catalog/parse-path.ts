/**
 * Splits a raw, still percent-encoded request path into decoded segments, or says why it refuses.
 * Refusing is the point: anything a proxy and WorkOS might read differently (dot segments, encoded
 * slashes, backslashes, control characters, bad encodings) is rejected rather than guessed at.
 */

/** Longer paths are refused: no WorkOS path comes close (the longest template is ~130 characters). */
export const MAX_PATH_LENGTH = 2048;
/** The deepest WorkOS template has 8 segments. */
export const MAX_SEGMENTS = 32;

export type ParsedPath = { ok: true; segments: string[] } | { ok: false; reason: string };

const SLASH = 0x2f;
const PERCENT = 0x25;
const BACKSLASH = 0x5c;

/** RFC 3986 `pchar` minus `%`: unreserved, sub-delims, ':' and '@'. Anything else raw is refused. */
const ALLOWED = new Uint8Array(128);
for (const char of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@") {
  ALLOWED[char.charCodeAt(0)] = 1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function refuse(reason: string): ParsedPath {
  return { ok: false, reason };
}

function rawCharProblem(code: number): string {
  if (code === BACKSLASH) return 'backslash in path';
  if (code < 0x20 || code === 0x7f) return 'control character in path';
  return `character ${JSON.stringify(String.fromCharCode(code))} is not allowed raw in a path`;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x57;
  return -1;
}

/** Percent-decodes once; null when a `%` is not followed by two hex digits or the bytes are not UTF-8. */
function percentDecode(raw: string): string | null {
  const bytes: number[] = [];
  let ascii = true;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code !== PERCENT) {
      bytes.push(code);
      continue;
    }
    const high = hexValue(raw.charCodeAt(i + 1));
    const low = hexValue(raw.charCodeAt(i + 2));
    if (high < 0 || low < 0) return null;
    const byte = high * 16 + low;
    if (byte >= 0x80) ascii = false;
    bytes.push(byte);
    i += 2;
  }
  if (ascii) return String.fromCharCode(...bytes);
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

function decodedProblem(value: string): string | null {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === SLASH) return 'encoded slash in path segment';
    if (code === BACKSLASH) return 'encoded backslash in path segment';
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return 'encoded control character in path segment';
  }
  return null;
}

function decodeSegment(raw: string, hasPercent: boolean): { value: string } | { reason: string } {
  if (!hasPercent) {
    return raw === '.' || raw === '..' ? { reason: 'dot segment in path' } : { value: raw };
  }
  const value = percentDecode(raw);
  if (value === null) return { reason: 'invalid percent-encoding or UTF-8 in path segment' };
  if (value === '.' || value === '..') return { reason: 'encoded dot segment in path' };
  const problem = decodedProblem(value);
  return problem ? { reason: problem } : { value };
}

/**
 * @example parseRawPath('/organizations/org%3A1') // { ok: true, segments: ['organizations', 'org:1'] }
 * @example parseRawPath('/organizations/..%2fusers') // { ok: false, reason: 'encoded slash in path segment' }
 */
export function parseRawPath(rawPath: string): ParsedPath {
  if (rawPath.length === 0 || rawPath.charCodeAt(0) !== SLASH) return refuse('path must start with /');
  if (rawPath.length > MAX_PATH_LENGTH) return refuse(`path longer than ${MAX_PATH_LENGTH} characters`);
  if (rawPath.length === 1) return { ok: true, segments: [] };
  const segments: string[] = [];
  let start = 1;
  let hasPercent = false;
  for (let i = 1; i <= rawPath.length; i++) {
    const code = i < rawPath.length ? rawPath.charCodeAt(i) : SLASH;
    if (code === SLASH) {
      if (i === start) return refuse('empty path segment');
      const decoded = decodeSegment(rawPath.slice(start, i), hasPercent);
      if ('reason' in decoded) return refuse(decoded.reason);
      if (segments.push(decoded.value) > MAX_SEGMENTS)
        return refuse(`more than ${MAX_SEGMENTS} path segments`);
      start = i + 1;
      hasPercent = false;
    } else if (code === PERCENT) {
      hasPercent = true;
    } else if (code >= 0x80 || ALLOWED[code] !== 1) {
      return refuse(rawCharProblem(code));
    }
  }
  return { ok: true, segments };
}
