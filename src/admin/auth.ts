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

/**
 * The only admin routes served without the admin token, by the route pattern the router matched
 * (never by how the URL was spelled). A future console's login page and static assets join here.
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['GET /health', 'GET /healthz', 'GET /readyz']);

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
      const headTwin = method === 'HEAD' && routes.some((r) => r.method === 'GET' && r.url === route.url);
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
  // Fastify answers HEAD on every GET route; it is the same route.
  return `${methods.includes('HEAD') && !methods.includes('GET') ? 'GET' : methods[0]} ${url}`;
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
  return new BollardError('admin_unauthorized', `Missing or invalid admin token${hint}.`);
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
  const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
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

/**
 * Every request needs the admin token or an operator's token unless the route the router resolved is in
 * `PUBLIC_ROUTES`: routes added later, by any means, are protected by default, and an unknown path
 * answers 401 before it can answer 404. The caller's role must then reach the route's (`requiredRole`):
 * viewers read, approvers also decide approvals, admins do everything. An agent token is never accepted.
 */
export function installAdminAuth(
  app: FastifyInstance,
  adminTokenHash: string,
  operators?: OperatorLookup,
): void {
  collectRoutes(app);
  app.addHook('onRequest', async function requireAdminToken(request) {
    const route = matchedRoute(request);
    if (route !== null && PUBLIC_ROUTES.has(route)) return;
    const caller = await resolveCaller(request, adminTokenHash, operators);
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
