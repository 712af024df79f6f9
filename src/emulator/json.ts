/** JSON values as they travel on the wire. */
export type Json = string | number | boolean | null | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** Narrows an unknown parsed body to a JSON object, or `{}` when it is anything else. */
export function asObject(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

/** Reads a string field, or `undefined` when absent or of another type. */
export function str(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

/** Deep copy so callers never hold a reference into the emulator's state. */
export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}
