/**
 * Errors a store raises for the caller's mistakes, with a stable code the admin API maps to
 * 409 `conflict` / 404 `not_found`. Any other error means the store could not do its work
 * (I/O, lock timeout, connection lost): callers treat it as "unavailable".
 */
export class StoreError extends Error {
  constructor(
    readonly code: 'conflict' | 'not_found',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** True when the error is the store saying a write broke a uniqueness rule (e.g. a taken agent name). */
export function isStoreConflict(error: unknown): error is StoreError {
  return error instanceof StoreError && error.code === 'conflict';
}
