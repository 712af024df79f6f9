import type { Json } from './json.js';

/** What a handler answers; the server turns it into bytes, headers and a status. */
export interface Reply {
  status: number;
  /** JSON value (sent as application/json), string (sent as text/plain) or undefined (no body). */
  body?: Json | string;
  kind: 'json' | 'text' | 'empty' | 'csv';
  headers?: Record<string, string>;
}

export function json(status: number, body: Json): Reply {
  return { status, body, kind: 'json' };
}

export function text(status: number, body: string): Reply {
  return { status, body, kind: 'text' };
}

/** No body and no content type, as WorkOS answers `DELETE /user_management/users/{id}` (200) and 204s. */
export function empty(status: number): Reply {
  return { status, kind: 'empty' };
}

export function redirect(location: string): Reply {
  return { status: 302, kind: 'empty', headers: { Location: location } };
}

export function csv(body: string): Reply {
  return { status: 200, body, kind: 'csv' };
}
