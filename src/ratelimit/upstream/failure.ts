/**
 * Which upstream outcomes count against WorkOS's health. A 4xx (including 429) is WorkOS answering, not
 * failing; a refused connection, a timeout or a 502/503/504 from its edge is the upstream being unwell.
 */

/** Error codes that mean the connection could not be made at all: nothing reached WorkOS. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** Error codes of timeouts after the request was on its way. */
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

const FAILURE_STATUSES = new Set([502, 503, 504]);

/** The error's own code or, for `fetch failed` wrappers, its cause's. */
export function errorCode(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** True for a connection failure: the request never reached WorkOS. */
export function isConnectError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== null && CONNECT_CODES.has(code);
}

/** True for an error that says the upstream is unwell (not, say, the agent hanging up). */
export function isUpstreamFailureError(error: unknown): boolean {
  if (isConnectError(error)) return true;
  const code = errorCode(error);
  if (code !== null && TIMEOUT_CODES.has(code)) return true;
  return error instanceof Error && error.name === 'TimeoutError';
}

export function isUpstreamFailureStatus(status: number): boolean {
  return FAILURE_STATUSES.has(status);
}
