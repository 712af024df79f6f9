import { BollardError } from '../errors/index.js';

/** What Bollard understood of a request body. */
export interface ParsedBody {
  type: 'none' | 'json' | 'form';
  /** Top-level fields of the JSON object or form; undefined when there is no body. */
  value: Record<string, unknown> | undefined;
}

/** Deepest nesting of arrays and objects a JSON body may have. WorkOS bodies are a few levels deep. */
export const MAX_BODY_DEPTH = 32;

const NONE: ParsedBody = { type: 'none', value: undefined };
const FORM = 'application/x-www-form-urlencoded';
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads a body the way WorkOS does, or refuses it (`invalid_request`): Bollard decides, keys rate limits,
 * redacts and swaps credentials on what it parsed, so it must never forward bytes the upstream would read
 * differently. WorkOS parses a form when the content type says so and JSON otherwise, whatever the declared
 * type (a JSON body sent as `text/plain` is acted on), and treats a blank body as `{}`. Refused:
 * - anything but a JSON object or a form (JSON scalars and arrays, text Bollard cannot parse);
 * - duplicate keys, in JSON at any depth or in a form: parsers differ on which one wins;
 * - nesting deeper than {@link MAX_BODY_DEPTH}: such a body cannot be re-serialized safely;
 * - a form whose text is JSON, or a content type naming the form type anywhere but as the type: one side
 *   would read a form and the other JSON;
 * - a charset other than UTF-8, invalid UTF-8, a byte-order mark.
 */
export function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  if (raw.length === 0) return NONE;
  const [mediaType = '', ...parameters] = (contentType ?? '').toLowerCase().split(';');
  const charset = parameters.map((p) => p.trim()).find((p) => p.startsWith('charset='));
  if (charset && !/^charset="?utf-?8"?$/.test(charset))
    throw unreadable('unsupported_charset', 'The body must be UTF-8.');
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw unreadable('invalid_utf8', 'The body is not valid UTF-8.');
  }
  if (text.startsWith('\uFEFF'))
    throw unreadable('byte_order_mark', 'The body starts with a byte-order mark.');
  if (text.trim() === '') return NONE;
  const isForm = mediaType.trim() === FORM;
  if (!isForm && parameters.some((p) => p.includes(FORM)))
    throw unreadable('ambiguous_content_type', 'The content type names two types.');
  const first = text.trimStart()[0];
  if (isForm && (first === '{' || first === '['))
    throw unreadable('ambiguous_body', 'The body is JSON but declared as a form.');
  return isForm ? parseForm(text) : parseJson(text);
}

function parseForm(text: string): ParsedBody {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(fields, key)) throw duplicate(key);
    fields[key] = value;
  }
  return { type: 'form', value: fields };
}

function parseJson(text: string): ParsedBody {
  checkJsonShape(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw unreadable('malformed_body', 'The body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw unreadable('malformed_body', 'The body must be a JSON object.');
  return { type: 'json', value: parsed as Record<string, unknown> };
}

/**
 * One pass over the JSON text, before it is parsed: refuses nesting deeper than {@link MAX_BODY_DEPTH} (so a
 * 100,000-deep array is refused after 33 brackets) and duplicate keys in any object. Syntax errors are left to
 * `JSON.parse`; this only has to stop, whatever the input.
 */
function checkJsonShape(text: string): void {
  // One entry per open bracket: the keys seen so far for an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const end = stringEnd(text, i);
      const top = open.at(-1);
      if (top && expectKey) {
        const key = decodeKey(text.slice(i, end + 1));
        if (top.has(key)) throw duplicate(key);
        top.add(key);
      }
      expectKey = false;
      i = end;
    } else if (char === '{' || char === '[') {
      if (open.length >= MAX_BODY_DEPTH)
        throw unreadable('body_too_deep', `The body nests deeper than ${MAX_BODY_DEPTH} levels.`);
      open.push(char === '{' ? new Set() : null);
      expectKey = char === '{';
    } else if (char === '}' || char === ']') {
      open.pop();
    } else if (char === ',') {
      expectKey = Boolean(open.at(-1));
    }
  }
}

/** Index of the quote that closes the string opening at `start` (or the last index if it never closes). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}

/** A key as the parser will see it: `"em\u0061il"` is `email`. */
function decodeKey(literal: string): string {
  try {
    return JSON.parse(literal) as string;
  } catch {
    throw unreadable('malformed_body', 'The body is not valid JSON.');
  }
}

function duplicate(key: string): BollardError {
  return unreadable('duplicate_key', `The body names '${key.slice(0, 64)}' twice.`);
}

function unreadable(reason: string, message: string): BollardError {
  return new BollardError(
    'invalid_request',
    `${message} Bollard forwards only bodies it reads as WorkOS does.`,
    {
      reason,
    },
  );
}
