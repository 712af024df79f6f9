import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { Agent } from 'undici';
import { BollardError } from '../errors/index.js';
import { errorCode } from '../ratelimit/index.js';
import { connectionListed, HOP_BY_HOP_HEADERS } from './hop-by-hop.js';

export interface UpstreamOptions {
  /** Origin of WorkOS or the emulator: `https://api.workos.com` */
  url: string;
  apiKey: string;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Keep-alive connections per origin. */
  connections?: number;
}

/** Request headers that are Bollard's business and never go upstream. */
const NEVER_FORWARDED = new Set([
  'host',
  'authorization',
  'content-length',
  'expect',
  'cookie',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
]);

/** The headers to send upstream: hop-by-hop and Bollard's own removed, the credential set. */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  authorization: string | null,
  bodyLength: number,
): Record<string, string | string[]> {
  const listed = connectionListed(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (
      value === undefined ||
      HOP_BY_HOP_HEADERS.has(name) ||
      listed.has(name) ||
      NEVER_FORWARDED.has(name) ||
      name.startsWith('x-bollard-')
    )
      continue;
    out[name] = value;
  }
  if (authorization !== null) out.authorization = authorization;
  // An explicit `Content-Length: 0` (a bodiless POST or DELETE) goes on as sent.
  if (bodyLength > 0 || incoming['content-length'] !== undefined) out['content-length'] = String(bodyLength);
  return out;
}

/** The upstream's response headers to pass back: hop-by-hop removed (RFC 9110 §7.6.1). */
export function downstreamResponseHeaders(
  upstream: IncomingHttpHeaders,
  requestId: string,
): OutgoingHttpHeaders {
  const listed = connectionListed(upstream.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  out['x-bollard-request-id'] = requestId;
  return out;
}

/** A keep-alive connection pool to the upstream; redirects are never followed (undici does not by default). */
export function createUpstreamDispatcher(options: UpstreamOptions): Agent {
  return new Agent({
    connections: options.connections ?? 128,
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    keepAliveTimeout: 4_000, // 4 seconds: under the common 5 s server idle timeout
    pipelining: 1,
  });
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Maps an undici failure to the Bollard error the agent sees (504 for timeouts, 502 otherwise). */
export function upstreamFailure(error: unknown): BollardError {
  const code = errorCode(error);
  if (code !== null && TIMEOUT_CODES.has(code)) {
    return new BollardError('upstream_timeout', undefined, {
      reason:
        code === 'UND_ERR_CONNECT_TIMEOUT'
          ? 'connect_timeout'
          : code === 'UND_ERR_HEADERS_TIMEOUT'
            ? 'headers_timeout'
            : 'body_timeout',
    });
  }
  return new BollardError('upstream_unavailable', undefined, {
    reason: code ? code.toLowerCase() : 'connection_failed',
  });
}
