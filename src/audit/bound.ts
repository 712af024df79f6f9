/**
 * Size bounds for what the audit log stores. Anyone who can reach the proxy decides how long a path,
 * a query or a `User-Agent` is; a record keeps a bounded prefix of each and says how much it cut,
 * so one call can never make the store hold more than a few kilobytes.
 */

/** Longest path kept (WorkOS paths are far shorter; a longer one is an attack or a mistake). */
export const MAX_PATH_CHARS = 512;
/** Longest header value kept (`User-Agent`). */
export const MAX_HEADER_CHARS = 256;
/** Longest query or body value kept. */
export const MAX_VALUE_CHARS = 256;
/** Longest query parameter or body field name kept. */
export const MAX_NAME_CHARS = 64;
/** Longest reason or rule kept (Bollard's own codes are short; a reason may echo client input). */
export const MAX_REASON_CHARS = 128;
/** Most query parameters, and most fields of one body object, kept. */
export const MAX_FIELDS = 50;
/** Most values kept from one whole body summary, every depth counted. */
export const MAX_BODY_VALUES = 500;

/** The key under which a summary says how many fields, parameters or items it left out. */
export const DROPPED_KEY = '[dropped]';

/**
 * The text itself when it fits, else its first `max` characters and a marker of what was cut.
 * @example capText('abcdef', 3) // 'abc…[cut 3 chars]'
 */
export function capText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…[cut ${text.length - max} chars]` : text;
}

/** `capText` for a value that may be absent. */
export function capNullable(text: string | null | undefined, max: number): string | null {
  return text === null || text === undefined ? null : capText(text, max);
}
