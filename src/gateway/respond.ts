import type { ServerResponse } from 'node:http';
import { BollardError } from '../errors/index.js';

export const REQUEST_ID_HEADER = 'x-bollard-request-id';

/** Sends a Bollard error in WorkOS's JSON shape. `Retry-After` is set when the error carries one. */
export function sendError(res: ServerResponse, requestId: string, error: BollardError): number {
  if (res.headersSent) {
    res.destroy();
    return error.status;
  }
  const body = JSON.stringify(error.toBody());
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    [REQUEST_ID_HEADER]: requestId,
    // WorkOS's own header, which the SDKs read into their exceptions (the Node SDK's `requestID`).
    'x-request-id': requestId,
    'cache-control': 'no-store',
  };
  const retryAfter = error.fields.retry_after;
  if (typeof retryAfter === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
  res.writeHead(error.status, headers);
  res.end(body);
  return error.status;
}

/** Turns anything thrown inside the pipeline into a BollardError; unknown errors become a bare 500. */
export function asBollardError(error: unknown): BollardError {
  return error instanceof BollardError ? error : new BollardError('internal_error');
}
