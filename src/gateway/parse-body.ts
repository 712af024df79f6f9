/** What Bollard understood of a request body. */
export interface ParsedBody {
  type: 'none' | 'json' | 'form' | 'other';
  /** Top-level fields for JSON objects and forms; undefined otherwise. */
  value: Record<string, unknown> | undefined;
  /** JSON that did not parse. */
  malformed: boolean;
}

const NONE: ParsedBody = { type: 'none', value: undefined, malformed: false };

/** Parses a JSON or form body into its top-level fields; anything else is left opaque. */
export function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  if (raw.length === 0) return NONE;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) fields[key] = value;
    return { type: 'form', value: fields, malformed: false };
  }
  if (type === 'application/json' || type.endsWith('+json') || type === '') {
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      const value =
        parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : undefined;
      return { type: 'json', value, malformed: false };
    } catch {
      return { type: 'json', value: undefined, malformed: true };
    }
  }
  return { type: 'other', value: undefined, malformed: false };
}
