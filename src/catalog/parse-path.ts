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

function refuse(reason: string): ParsedPath {
  return { ok: false, reason };
}

function rawCharProblem(code: number): string {
  if (code === BACKSLASH) return 'backslash in path';
  if (code < 0x20 || code === 0x7f) return 'control character in path';
  return `character ${JSON.stringify(String.fromCharCode(code))} is not allowed raw in a path`;
}

/**
 * Percent-decodes once. `decodeURIComponent` already refuses a `%` without two hex digits and byte
 * sequences that are not UTF-8 (overlong forms, surrogates), which is exactly the refusal wanted here.
 */
function percentDecode(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** `%` + two hex digits left after one decode: a double-encoded segment. */
const STILL_ENCODED = /%[0-9A-Fa-f]{2}/;

function decodedProblem(value: string): string | null {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === SLASH) return 'encoded slash in path segment';
    if (code === BACKSLASH) return 'encoded backslash in path segment';
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return 'encoded control character in path segment';
  }
  // A server that decodes twice would read `%252e%252e` as `..` (or `%252f` as `/`) where Bollard read an id:
  // ambiguous, so refused. No WorkOS id contains a percent-encoded sequence.
  if (STILL_ENCODED.test(value)) return 'double-encoded path segment';
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
  // One pass over the characters (measured faster here than split + a regex per segment).
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
