/**
 * The console's one client for the admin API: same origin, the session cookie (never the admin token),
 * the session's CSRF token on every request that changes state, and one error shape for every failure.
 */

export interface Session {
  via: 'session' | 'token';
  csrfToken: string | null;
  expiresAt: string | null;
  /** Who the session acts as: the bootstrap admin or a named operator, with its role. */
  caller: { name: string; role: 'admin' | 'approver' | 'viewer' };
  proxyUrl: string | null;
}

/** Only an admin changes agents, policy and webhooks (the server refuses others with operator_forbidden). */
export const mayChange = (session: Session) => session.caller.role === 'admin';

/** A failed call: Bollard's `{ code, message }`, the request id, and what to do. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { requestId?: string | null; retryAfter?: string | null; errors?: unknown } = {},
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
const signedOutListeners = new Set<() => void>();

export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};
export const onSignedOut = (listener: () => void) => {
  signedOutListeners.add(listener);
  return () => {
    signedOutListeners.delete(listener);
  };
};

export const API = '/api/v1';

/** Calls `/api/v1{path}`; resolves with the JSON body (or text for non-JSON), throws an `ApiError`. */
export async function api<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-bollard-csrf'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'The admin API cannot be reached: is Bollard running?');
  }
  const type = response.headers.get('content-type') ?? '';
  const payload = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  if (response.ok) return payload as T;
  const fault = (payload ?? {}) as { code?: string; message?: string; errors?: unknown };
  const error = new ApiError(
    response.status,
    fault.code ?? `http_${response.status}`,
    fault.message ?? `The admin API answered ${response.status}.`,
    {
      requestId: response.headers.get('x-bollard-request-id'),
      retryAfter: response.headers.get('retry-after'),
      errors: fault.errors,
    },
  );
  if (response.status === 401 && path !== '/session') for (const listener of signedOutListeners) listener();
  throw error;
}

/** A query string from the set values of an object (`{ a: 'x', b: '' }` → `?a=x`). */
export function query(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** What a person should read for a failure, including what to do. */
export function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return (error as Error)?.message ?? String(error);
  const hint =
    error.status === 0
      ? ''
      : error.status === 503 && error.code === 'audit_unavailable'
        ? ' The store is down: Bollard refuses calls until it is back.'
        : error.status >= 500
          ? ' Bollard or its store is failing; the request id finds it in the logs.'
          : '';
  return `${error.message}${hint}${error.details.requestId ? ` (request ${error.details.requestId})` : ''}`;
}
