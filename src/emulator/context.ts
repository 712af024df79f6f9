import type { IncomingHttpHeaders } from 'node:http';
import type { JsonObject } from './json.js';
import type { SigningKeys } from './jwt.js';
import type { RandomSource } from './random.js';
import type { RateLimiter } from './rate-limits.js';
import type { EmulatorState } from './state.js';

/** The services every handler shares for the lifetime of one emulator. */
export interface Environment {
  state: EmulatorState;
  apiKey: string;
  clientId: string;
  /** `http://host:port` once listening. */
  baseUrl: string;
  now(): number;
  newId(prefix: string): string;
  random: RandomSource;
  limiter: RateLimiter;
  keys: SigningKeys;
  /** Records an event for `GET /events` and delivers it to webhook endpoints. */
  emit(event: string, data: JsonObject, organizationId?: string): void;
}

/** One request as a handler sees it. */
export interface Context {
  env: Environment;
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: JsonObject;
  headers: IncomingHttpHeaders;
}

/** ISO-8601 time of the emulator clock. */
export function isoNow(env: Environment, offsetMs = 0): string {
  return new Date(env.now() + offsetMs).toISOString();
}

/** `created_at` and `updated_at` for a new row. */
export function timestamps(env: Environment): { created_at: string; updated_at: string } {
  const now = isoNow(env);
  return { created_at: now, updated_at: now };
}

/** Reads the `{name}` path parameter (the router guarantees it is there). */
export function param(ctx: Context, name: string): string {
  return ctx.params[name] ?? '';
}
