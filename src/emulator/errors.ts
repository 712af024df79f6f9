import type { Json, JsonObject } from './json.js';

/**
 * An error answered with WorkOS's own body shape for the endpoint family (REFERENCE.md §4.1).
 * Handlers throw it; the server writes `status` and `body` as JSON.
 */
export class WorkOSError extends Error {
  constructor(
    readonly status: number,
    readonly body: JsonObject,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : String(body.error ?? status));
  }
}

/** Shape A: 401 `{"message":"Unauthorized"}` (recorded; the SDK ignores the body). */
export function unauthorized(): WorkOSError {
  return new WorkOSError(401, { message: 'Unauthorized' });
}

/** Shape A: an unknown path or method. */
export function notFound(): WorkOSError {
  return new WorkOSError(404, { message: 'Not Found' });
}

/** Shape B: `{"message":"User not found: 'x'.","code":"entity_not_found","entity_id":"x"}`. */
export function entityNotFound(entity: string, id: string): WorkOSError {
  return new WorkOSError(404, {
    message: `${entity} not found: '${id}'.`,
    code: 'entity_not_found',
    entity_id: id,
  });
}

/** One entry of a validation `errors[]` array. */
export interface FieldError {
  field: string;
  code: string;
  message?: string;
}

/** Shape D: 422 `{code:"invalid_request_parameters", message, errors:[…]}`. */
export function validationFailed(errors: FieldError[]): WorkOSError {
  const list: Json[] = errors.map((e) => ({ ...e }) as JsonObject);
  return new WorkOSError(422, {
    code: 'invalid_request_parameters',
    message: 'Validation failed',
    errors: list,
  });
}

/** Throws shape D when any field error was collected. */
export function throwIfInvalid(errors: FieldError[]): void {
  if (errors.length > 0) throw validationFailed(errors);
}

/** Shape C: `{code, message}` business-rule errors (400 unless told). */
export function codedError(
  status: number,
  code: string,
  message: string,
  extra: JsonObject = {},
): WorkOSError {
  return new WorkOSError(status, { code, message, ...extra });
}

/** Shape E: OAuth errors of `/user_management/authenticate` and `/sso/token`. */
export function oauthError(error: string, description: string, status = 400): WorkOSError {
  return new WorkOSError(status, { error, error_description: description });
}

/** 429 with `Retry-After` in whole seconds, so the SDK backs off by itself (§4.3). */
export function rateLimited(retryAfterSeconds: number): WorkOSError {
  return new WorkOSError(
    429,
    { code: 'rate_limit_exceeded', message: 'Too many requests.' },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
