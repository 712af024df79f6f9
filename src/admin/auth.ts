import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BollardError } from '../errors/index.js';
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

/** The admin token check, alone: throws `admin_unauthorized` unless the bearer is the admin token. */
export function assertAdminToken(request: FastifyRequest, adminTokenHash: string): void {
  const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (presented && adminTokenMatches(presented, adminTokenHash)) return;
  const hint = presented?.startsWith('bol_')
    ? ' (that is an agent token; the admin API takes the admin token)'
    : '';
  throw new BollardError('admin_unauthorized', `Missing or invalid admin token${hint}.`);
}

/**
 * Every request needs the admin token unless the route the router resolved is in `PUBLIC_ROUTES`:
 * routes added later, by any means, are protected by default, and an unknown path answers 401
 * before it can answer 404. An agent token is never accepted here.
 */
export function installAdminAuth(app: FastifyInstance, adminTokenHash: string): void {
  collectRoutes(app);
  app.addHook('onRequest', async function requireAdminToken(request) {
    const route = matchedRoute(request);
    if (route !== null && PUBLIC_ROUTES.has(route)) return;
    assertAdminToken(request, adminTokenHash);
  });
}
