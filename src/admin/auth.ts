import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BollardError } from '../errors/index.js';
import {
  BOOTSTRAP_OPERATOR,
  hashOperatorToken,
  OPERATOR_TOKEN_PREFIX,
  requiredRole,
  roleAllows,
} from '../operators/index.js';
import type { OperatorRecord, OperatorRole } from '../store/types.js';
import { adminTokenMatches } from './admin-token.js';
import { type ConsoleSession, type ConsoleSessions, CSRF_HEADER, sessionCookie } from './console/sessions.js';

/**
 * The only admin routes served without a credential, by the route pattern the router matched
 * (never by how the URL was spelled): health and probes, the console's page and its built assets
 * (no data in them), and the console's sign-in, which checks the token or one-time code itself.
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  'GET /health',
  'GET /healthz',
  'GET /readyz',
  'GET /',
  'GET /assets/*',
  'POST /api/v1/session',
]);

const BEARER = /^Bearer\s+(\S+)$/i;

/** One route as registered with the admin server. */
export interface RegisteredRoute {
  method: string;
  url: string;
  /** True when it is in `PUBLIC_ROUTES`. */
  public: boolean;
}

const registries = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/**
 * Every route of an admin server, however it was registered (the API router, `app.get`, a plugin),
 * collected as Fastify registers it; the security tests run against this list. Fastify's implicit
 * HEAD twins of GET routes are left out.
 */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return registries.get(app) ?? [];
}

function collectRoutes(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  registries.set(app, routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const headTwin =
        method === 'HEAD' &&
        (methods.includes('GET') || routes.some((r) => r.method === 'GET' && r.url === route.url));
      if (headTwin) continue;
      routes.push({ method, url: route.url, public: PUBLIC_ROUTES.has(`${method} ${route.url}`) });
    }
  });
}

/** `METHOD /pattern` of the route the router resolved; null when nothing matched (a 404). */
export function matchedRoute(request: FastifyRequest): string | null {
  const { url, method } = request.routeOptions;
  if (!url || request.is404) return null;
  const methods = Array.isArray(method) ? method : [method];
  // Fastify answers HEAD on every GET route (and a plugin may register both at once); it is the same route.
  if (methods.includes('HEAD') && (methods.length === 1 || methods.includes('GET'))) {
    if (request.method === 'HEAD' || request.method === 'GET') return `GET ${url}`;
  }
  return `${methods.includes(request.method) ? request.method : methods[0]} ${url}`;
}

/** Who is calling the admin API: the bootstrap admin token (`admin`) or a named operator. */
export interface AdminCaller {
  name: string;
  role: OperatorRole;
  /** `opr_…`, or null for the bootstrap admin token. */
  operatorId: string | null;
}

/** Finds an operator by the hash of its token (a structural subset of the store). */
export interface OperatorLookup {
  findOperator(hash: string): Promise<OperatorRecord | null>;
  listOperators(): Promise<OperatorRecord[]>;
}

const callers = new WeakMap<FastifyRequest, AdminCaller>();

/** The caller the auth hook resolved for this request (the bootstrap admin when none was). */
export function callerOf(request: FastifyRequest): AdminCaller {
  return callers.get(request) ?? { name: BOOTSTRAP_OPERATOR, role: 'admin', operatorId: null };
}

function unauthorized(presented: string | undefined): BollardError {
  const hint = presented?.startsWith('bol_')
    ? ' (that is an agent token; the admin API takes the admin token or an operator token)'
    : '';
  return new BollardError(
    'admin_unauthorized',
    `Missing or invalid admin token, operator token or console session${hint}.`,
  );
}

/**
 * The bearer as an admin caller: the bootstrap admin token, or an active operator's token. An agent
 * token (`bol_…`) is never looked up: it can never be an operator.
 */
export async function resolveCaller(
  request: FastifyRequest,
  adminTokenHash: string,
  operators?: OperatorLookup,
): Promise<AdminCaller> {
  return callerForToken(BEARER.exec(request.headers.authorization ?? '')?.[1], adminTokenHash, operators);
}

/** A presented token (a bearer, or the console's sign-in body) as an admin caller; throws `admin_unauthorized`. */
export async function callerForToken(
  presented: string | undefined,
  adminTokenHash: string,
  operators?: OperatorLookup,
): Promise<AdminCaller> {
  if (presented && adminTokenMatches(presented, adminTokenHash))
    return { name: BOOTSTRAP_OPERATOR, role: 'admin', operatorId: null };
  if (presented?.startsWith(OPERATOR_TOKEN_PREFIX) && presented.length <= 128 && operators) {
    const operator = await operators.findOperator(hashOperatorToken(presented));
    if (operator && operator.revokedAt === null)
      return { name: operator.name, role: operator.role, operatorId: operator.id };
  }
  throw unauthorized(presented);
}

/** The admin token check, alone: throws `admin_unauthorized` unless the bearer is the admin token. */
export function assertAdminToken(request: FastifyRequest, adminTokenHash: string): void {
  const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (presented && adminTokenMatches(presented, adminTokenHash)) return;
  throw unauthorized(presented);
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AdminAuthOptions {
  adminTokenHash: string;
  operators?: OperatorLookup;
  /** Console sessions: the second credential, a cookie (absent: bearer tokens only). */
  sessions?: ConsoleSessions;
  /** Origins named in `BOLLARD_ADMIN_ALLOWED_ORIGINS`, which may also send state-changing cookie requests. */
  originConfigured?: (origin: string) => boolean;
}

/**
 * A cookie is sent by the browser whoever made the page, so a state-changing request that a cookie
 * authenticates must come from the console's own origin (the `Origin`'s host is this request's `Host`:
 * another port on the same name is another origin, though the same site) and carry the session's
 * CSRF token, which only a page that read `GET /api/v1/session` can know.
 */
function assertSameOriginWrite(
  request: FastifyRequest,
  session: ConsoleSession,
  sessions: ConsoleSessions,
  originConfigured?: (origin: string) => boolean,
): void {
  const origin = request.headers.origin;
  const own = /^https?:\/\/([^/]+)$/i.exec(origin ?? '')?.[1]?.toLowerCase();
  const sameOrigin = own !== undefined && own === request.headers.host?.toLowerCase();
  if (!sameOrigin && !(origin && originConfigured?.(origin))) {
    throw new BollardError(
      'origin_not_allowed',
      'A console request that changes state must come from the console itself (its Origin is missing or another origin).',
    );
  }
  const presented = request.headers[CSRF_HEADER];
  if (!sessions.csrfMatches(session, typeof presented === 'string' ? presented : undefined)) {
    throw new BollardError(
      'csrf_failed',
      `A console request that changes state needs the session's ${CSRF_HEADER} header; reload the console.`,
    );
  }
}

/**
 * The caller of a request that sends no `Authorization`: its console session's, or null. A session
 * signed in by an operator ends when that operator is revoked.
 */
async function sessionCaller(
  request: FastifyRequest,
  options: AdminAuthOptions,
): Promise<AdminCaller | null> {
  if (request.headers.authorization || !options.sessions) return null;
  const session = options.sessions.find(sessionCookie(request.headers.cookie));
  if (!session) return null;
  const operatorId = session.caller.operatorId;
  if (operatorId !== null) {
    const operators = (await options.operators?.listOperators()) ?? [];
    if (!operators.some((operator) => operator.id === operatorId && operator.revokedAt === null)) return null;
  }
  if (STATE_CHANGING.has(request.method))
    assertSameOriginWrite(request, session, options.sessions, options.originConfigured);
  consoleSessions.set(request, session);
  return session.caller;
}

const consoleSessions = new WeakMap<FastifyRequest, ConsoleSession>();
/** The console session a request was authenticated by (null: a bearer token, or a public route). */
export const requestSession = (request: FastifyRequest) => consoleSessions.get(request) ?? null;

/**
 * Every request needs a credential unless the route the router resolved is in `PUBLIC_ROUTES`: routes
 * added later, by any means, are protected by default, and an unknown path answers 401 before it can
 * answer 404. The credential is the admin token or an operator's token (`Authorization: Bearer`), or a
 * console session cookie, whose state-changing requests are also held to its origin and CSRF token.
 * The caller's role must then reach the route's (`requiredRole`): viewers read, approvers also decide
 * approvals, admins do everything. An agent token is never accepted.
 */
export function installAdminAuth(app: FastifyInstance, options: AdminAuthOptions): void {
  collectRoutes(app);
  app.addHook('onRequest', async function requireAdminCredential(request) {
    const route = matchedRoute(request);
    if (route !== null && PUBLIC_ROUTES.has(route)) return;
    const caller =
      (await sessionCaller(request, options)) ??
      (await resolveCaller(request, options.adminTokenHash, options.operators));
    const needed = requiredRole(route);
    if (!roleAllows(caller.role, needed)) {
      throw new BollardError(
        'operator_forbidden',
        `Operator '${caller.name}' (${caller.role}) may not ${route}: it needs the ${needed} role.`,
        { role: caller.role, required_role: needed },
      );
    }
    callers.set(request, caller);
  });
}
