import type { FieldError } from './errors.js';
import type { Json, JsonObject } from './json.js';

/**
 * Field checks that collect into `errors` (answered together as one 422) and return the value
 * when it is valid, so handlers read `const name = requiredString(body, 'name', errors)`.
 */
export function requiredString(body: JsonObject, field: string, errors: FieldError[]): string {
  const value = body[field];
  if (typeof value === 'string' && value.trim() !== '') return value;
  errors.push({
    field,
    code: `${field}_string_required`,
    message: `${label(field)} should be a non-empty string.`,
  });
  return '';
}

export function optionalString(body: JsonObject, field: string, errors: FieldError[]): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  errors.push({ field, code: `${field}_must_be_string`, message: `${label(field)} must be a string.` });
  return undefined;
}

/** A string, `null` (to clear) or absent. */
export function nullableString(
  body: JsonObject,
  field: string,
  errors: FieldError[],
): string | null | undefined {
  if (body[field] === null) return null;
  return optionalString(body, field, errors);
}

export function optionalBoolean(body: JsonObject, field: string, errors: FieldError[]): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  errors.push({ field, code: `${field}_must_be_boolean`, message: `${label(field)} must be a boolean.` });
  return undefined;
}

/** `metadata`: string → string (`null` values allowed when `allowNull`, meaning "remove"). */
export function optionalMetadata(
  body: JsonObject,
  errors: FieldError[],
  allowNull = false,
): Record<string, string | null> | undefined {
  const value = body.metadata;
  if (value === undefined) return undefined;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string' || (allowNull && v === null));
  if (ok) return value as Record<string, string | null>;
  errors.push({ field: 'metadata', code: 'invalid_metadata', message: 'Metadata values must be strings.' });
  return undefined;
}

/** Applies a metadata patch: `null` removes a key. */
export function mergeMetadata(current: Json, patch: Record<string, string | null>): JsonObject {
  const out: JsonObject = { ...(current as JsonObject) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

// A pragmatic email check: something@something.tld, no spaces.
export function isEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

function label(field: string): string {
  const words = field.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
