import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BollardError } from '../errors/index.js';

/** Which `Host` and `Origin` values the admin API answers to. */
export interface AdminExposure {
  /** The configured bind address (`BOLLARD_ADMIN_HOST`): the banner prints it, so clients use it as `Host`. */
  adminHost?: string;
  /** `BOLLARD_ADMIN_ALLOWED_HOSTS`: `name` (any port) or `name:port`. */
  allowedHosts?: readonly string[];
  /** `BOLLARD_ADMIN_ALLOWED_ORIGINS`: browser origins that also get CORS headers. */
  allowedOrigins?: readonly string[];
}

/** Loopback names and addresses: always allowed, with any port. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The admin path alphabet: RFC 3986 `pchar` and `/`, without `%`. No admin path parameter (agent
 * names, `agt_`/`whs_`/`event_` ids, catalog ids) can hold a character that would need encoding, so
 * an encoded one is only ever a second spelling of a path — the trick that once bypassed the token.
 */
const PATH_ALPHABET = /^[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;
// Control characters anywhere in the target (the query included).
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `Host: name[:port]` → `[name, port]`, lowercased; IPv6 keeps its brackets. */
function splitHost(host: string): [string, string] {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host.trim().toLowerCase());
  return match ? [match[1] ?? '', match[2] ?? ''] : ['', ''];
}

/** Why a request target is refused, or null. Run on the raw target, before anything decodes it. */
export function targetProblem(target: string): string | null {
  if (CONTROL.test(target)) return 'the request target contains a control character';
  if (target === '*') return "the asterisk-form target '*' is not served here";
  if (!target.startsWith('/')) {
    return 'the request target must be a path (origin-form); absolute-form targets are refused';
  }
  const path = target.split('?', 1)[0] ?? '';
  if (path.includes('%')) return 'percent-encoded characters are not allowed in admin paths';
  if (path.includes('\\')) return 'backslashes are not allowed in admin paths';
  if (!PATH_ALPHABET.test(path)) return 'the path contains a character admin paths never have';
  if (path.includes('//')) return 'empty path segments (//) are not allowed';
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) {
    return 'dot segments (. and ..) are not allowed';
  }
  return null;
}

/**
 * Decides `Host` and `Origin`: loopback names and addresses with any port, the configured admin host,
 * and the configured lists.
 */
export function createExposureCheck(exposure: AdminExposure) {
  const names = new Set(LOOPBACK_HOSTS);
  const exact = new Set<string>();
  const admin = exposure.adminHost?.toLowerCase();
  if (admin) names.add(admin.includes(':') && !admin.startsWith('[') ? `[${admin}]` : admin);
  for (const entry of exposure.allowedHosts ?? []) {
    const [name, port] = splitHost(entry);
    if (port) exact.add(`${name}:${port}`);
    else names.add(name);
  }
  const configuredOrigins = new Set((exposure.allowedOrigins ?? []).map((origin) => origin.toLowerCase()));

  function hostAllowed(host: string): boolean {
    const [name, port] = splitHost(host);
    return name !== '' && (names.has(name) || exact.has(`${name}:${port}`));
  }

  return {
    hostAllowed,
    /** An origin is allowed when it is configured, or an http(s) origin on an allowed host. */
    originAllowed(origin: string): boolean {
      const lower = origin.toLowerCase();
      if (configuredOrigins.has(lower)) return true;
      const match = /^https?:\/\/([^/?#\s@]+)$/.exec(lower);
      return match !== null && hostAllowed(match[1] ?? '');
    },
    /** Only origins named in `BOLLARD_ADMIN_ALLOWED_ORIGINS` get CORS headers. */
    corsAllowed: (origin: string) => configuredOrigins.has(origin.toLowerCase()),
  };
}

/** A missing content type is fine only without a body. */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function mediaType(request: FastifyRequest): string | undefined {
  return request.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
}

function refuseUnsafeRequest(request: FastifyRequest, check: ReturnType<typeof createExposureCheck>): void {
  const problem = targetProblem(request.raw.url ?? '');
  if (problem) throw new BollardError('invalid_request', `Refused: ${problem}.`);
  const host = request.headers.host;
  if (!host) throw new BollardError('invalid_request', 'Refused: the request has no Host header.');
  if (!check.hostAllowed(host)) {
    throw new BollardError(
      'misdirected_request',
      `Host '${shown(host)}' is not this admin API; use a loopback address or add it to BOLLARD_ADMIN_ALLOWED_HOSTS.`,
    );
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !check.originAllowed(origin)) {
    throw new BollardError(
      'origin_not_allowed',
      `Origin '${shown(origin)}' may not call the admin API; add it to BOLLARD_ADMIN_ALLOWED_ORIGINS to allow it.`,
    );
  }
  if (!STATE_CHANGING.has(request.method)) return;
  const type = mediaType(request);
  if (type === undefined ? hasBody(request) : type !== 'application/json') {
    throw new BollardError(
      'unsupported_media_type',
      `${request.method} needs Content-Type: application/json${type ? `, not '${type}'` : ' with its body'}.`,
    );
  }
}

/** Answers a configured origin's CORS preflight; true when it did. */
function answerPreflight(
  request: FastifyRequest,
  reply: FastifyReply,
  check: ReturnType<typeof createExposureCheck>,
): boolean {
  const origin = request.headers.origin;
  if (request.method !== 'OPTIONS' || !origin || !check.corsAllowed(origin)) return false;
  if (!request.headers['access-control-request-method']) return false;
  reply
    .status(204)
    .headers({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST, PATCH, DELETE',
      'access-control-allow-headers': 'authorization, content-type, x-bollard-csrf',
      'access-control-max-age': '600',
      vary: 'Origin',
    })
    .send();
  return true;
}

/**
 * The admin port's first hook, ahead of the token check and of any route: refuses targets that are
 * not a plain path (absolute-form, `*`, `%`, `..`, `//`, backslashes, control characters), a `Host`
 * that is not this admin API (DNS rebinding), a foreign `Origin`, and a state-changing request whose
 * body is not declared JSON (a page's blind `text/plain` form post).
 */
export function installRequestGuard(
  app: FastifyInstance,
  exposure: AdminExposure,
): ReturnType<typeof createExposureCheck> {
  const check = createExposureCheck(exposure);
  app.addHook('onRequest', async function guardAdminRequest(request, reply) {
    refuseUnsafeRequest(request, check);
    const origin = request.headers.origin;
    if (origin && check.corsAllowed(origin)) {
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    }
    if (answerPreflight(request, reply, check)) return reply;
  });
  return check;
}

/** A header value as an error message may echo it: bounded, and printable characters only. */
function shown(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length <= 100 ? clean : `${clean.slice(0, 100)}…[cut ${clean.length - 100} chars]`;
}
