import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_ROUTES, type RegisteredRoute, registeredRoutes } from '../../src/admin/index.js';
import { type RawRequest, rawHttp } from '../support/raw-http.js';
import { type AdminWorld, startAdminWorld, stateOf } from './admin-server.js';

/**
 * The security suite every admin route inherits. Rows: every route the real server registered
 * (collected as Fastify registers them, so a new route is in the table the moment it exists).
 * Columns: attacks, each with the refusal it must get. To add a role (an operator that may read
 * but not write, say), add a column: its credential, the routes it applies to, and its refusal.
 */
interface Attack {
  name: string;
  /** Only state-changing routes (a GET has nothing to smuggle as text/plain). */
  writesOnly?: boolean;
  /** Only these routes (an operator role's column: the routes above its role). */
  only?: (route: RegisteredRoute) => boolean;
  request(route: RegisteredRoute, world: AdminWorld): RawRequest;
  refusedWith: { status: number; code: string };
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The operator-role column, written out here rather than read from the server: viewers read (GETs, and
 * the two POSTs that only compute), approvers also decide approvals, admins do everything.
 */
const VIEWER_WRITES = new Set([
  'POST /api/v1/policy/plan',
  'POST /api/v1/policy/replay',
  'POST /api/v1/policy/validate',
  'POST /api/v1/audit/verify',
  'DELETE /api/v1/session', // signing one's own console session out
]);
const APPROVER_WRITES = new Set([
  ...VIEWER_WRITES,
  'POST /api/v1/approvals/:id/approve',
  'POST /api/v1/approvals/:id/deny',
]);
const key = (route: RegisteredRoute) => `${route.method} ${route.url}`;

/** A real target for a route pattern: parameters filled with things that exist, so a hole would bite. */
function targetOf(url: string, subscriptionId: string): string {
  const sample = url.startsWith('/api/v1/approvals')
    ? world.approvalId
    : url.startsWith('/api/v1/agents')
      ? 'victim'
      : url.startsWith('/api/v1/webhooks/subscriptions')
        ? subscriptionId
        : url.startsWith('/api/v1/freezes/agents')
          ? 'victim'
          : url.startsWith('/api/v1/catalog')
            ? 'organizations.delete'
            : url.startsWith('/api/v1/operators')
              ? 'bob'
              : 'sample';
  return url.replace(/:[A-Za-z_]+/g, sample);
}

/** A body each write route would accept, chosen for the damage it would do. */
const BODIES: Record<string, unknown> = {
  'POST /api/v1/agents': { name: 'intruder', grants: ['users:write'] },
  'PATCH /api/v1/agents/:id': { grants: ['users:write', 'organizations:write'] },
  'POST /api/v1/policy/apply': { agents: [] },
  'POST /api/v1/policy/plan': { agents: [] },
  'POST /api/v1/policy/replay': { agents: [] },
  'POST /api/v1/policy/shadow': { agents: [] },
  'POST /api/v1/operators': { name: 'mallory', role: 'admin' },
  'POST /api/v1/freezes': { all: true, reason: 'denial of service' },
  'POST /api/v1/webhooks/subscriptions': {
    agent: 'victim',
    url: 'https://hooks.example/stolen',
    events: ['user.created'],
  },
};

let world: AdminWorld;
let subscriptionId: string;
let routes: RegisteredRoute[];

function request(route: RegisteredRoute, headers: Record<string, string>, target?: string): RawRequest {
  const body = WRITES.has(route.method)
    ? JSON.stringify(BODIES[`${route.method} ${route.url}`] ?? {})
    : undefined;
  return {
    method: route.method,
    target: target ?? targetOf(route.url, subscriptionId),
    headers: {
      host: `127.0.0.1:${world.port}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body,
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const ADMIN = { name: 'admin', role: 'admin' as const, operatorId: null };

/** A signed-in console browser's credential: the session cookie, and (when given) its CSRF token. */
function consoleSession(w: AdminWorld, options: { csrf: boolean; origin?: string }): Record<string, string> {
  const session = w.sessions.open(ADMIN);
  return {
    cookie: `bollard_session=${session.id}`,
    ...(options.csrf ? { 'x-bollard-csrf': session.csrfToken } : {}),
    ...(options.origin ? { origin: options.origin } : {}),
  };
}

/** `/api/v1/agents` → `/%61pi/v1/agents`: the first letter of the path, percent-encoded. */
function encodeFirstLetter(target: string): string {
  return target.replace(/^\/([A-Za-z])/, (_, letter: string) => `/%${letter.charCodeAt(0).toString(16)}`);
}

const ATTACKS: Attack[] = [
  {
    name: 'no token',
    request: (route) => request(route, {}),
    refusedWith: { status: 401, code: 'admin_unauthorized' },
  },
  {
    name: 'an agent token (bol_…)',
    request: (route, w) => request(route, bearer(w.agentToken)),
    refusedWith: { status: 401, code: 'admin_unauthorized' },
  },
  {
    name: 'a revoked operator token',
    request: (route, w) => request(route, bearer(w.operatorTokens.revoked)),
    refusedWith: { status: 401, code: 'admin_unauthorized' },
  },
  {
    name: 'a viewer operator, on every route that changes something',
    only: (route) => WRITES.has(route.method) && !VIEWER_WRITES.has(key(route)),
    request: (route, w) => request(route, bearer(w.operatorTokens.viewer)),
    refusedWith: { status: 403, code: 'operator_forbidden' },
  },
  {
    name: 'an approver operator, on every change but deciding approvals',
    only: (route) => WRITES.has(route.method) && !APPROVER_WRITES.has(key(route)),
    request: (route, w) => request(route, bearer(w.operatorTokens.approver)),
    refusedWith: { status: 403, code: 'operator_forbidden' },
  },
  {
    name: 'a percent-encoded prefix (/%61pi/v1/…), no token',
    request: (route) => request(route, {}, encodeFirstLetter(targetOf(route.url, subscriptionId))),
    refusedWith: { status: 400, code: 'invalid_request' },
  },
  {
    name: 'an absolute-form target (GET http://host/… HTTP/1.1), no token',
    request: (route, w) =>
      request(route, {}, `http://127.0.0.1:${w.port}${targetOf(route.url, subscriptionId)}`),
    refusedWith: { status: 400, code: 'invalid_request' },
  },
  {
    name: 'a foreign Host (DNS rebinding), with the admin token',
    request: (route, w) => request(route, { ...bearer(w.adminToken), host: `rebind.example:${w.port}` }),
    refusedWith: { status: 421, code: 'misdirected_request' },
  },
  {
    name: 'a text/plain body (a page’s blind form post), with the admin token',
    writesOnly: true,
    request: (route, w) => request(route, { ...bearer(w.adminToken), 'content-type': 'text/plain' }),
    refusedWith: { status: 415, code: 'unsupported_media_type' },
  },
  {
    name: 'a console session cookie from its own origin without the CSRF token (a forged form)',
    writesOnly: true,
    request: (route, w) =>
      request(route, consoleSession(w, { csrf: false, origin: `http://127.0.0.1:${w.port}` })),
    refusedWith: { status: 403, code: 'csrf_failed' },
  },
  {
    name: 'a console session cookie and CSRF token from another port of the same site (same-site, cross-origin)',
    writesOnly: true,
    request: (route, w) => request(route, consoleSession(w, { csrf: true, origin: 'http://127.0.0.1:1' })),
    refusedWith: { status: 403, code: 'origin_not_allowed' },
  },
  {
    name: 'a console session cookie and CSRF token without an Origin',
    writesOnly: true,
    request: (route, w) => request(route, consoleSession(w, { csrf: true })),
    refusedWith: { status: 403, code: 'origin_not_allowed' },
  },
  {
    name: 'an unknown session cookie',
    request: (route) =>
      request(route, { cookie: 'bollard_session=forged0000000000000000000000000000000000000' }),
    refusedWith: { status: 401, code: 'admin_unauthorized' },
  },
  {
    name: 'a foreign Origin, with the admin token',
    writesOnly: true,
    request: (route, w) => request(route, { ...bearer(w.adminToken), origin: 'https://evil.example' }),
    refusedWith: { status: 403, code: 'origin_not_allowed' },
  },
];

beforeAll(async () => {
  world = await startAdminWorld();
  subscriptionId = (await world.store.webhooks.listSubscriptions())[0]!.id;
  routes = registeredRoutes(world.app).filter((route) => !route.public);
});

afterAll(async () => {
  await world?.close();
});

describe('the route table comes from the server itself', () => {
  it('holds every API route, /openapi.json and the routes added after the build; only health, probes, the console page, its assets and its sign-in are public', () => {
    const names = routes.map((route) => `${route.method} ${route.url}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'GET /api/v1/agents',
        'POST /api/v1/agents',
        'DELETE /api/v1/agents/:id',
        'POST /api/v1/policy/apply',
        'GET /api/v1/audit/export',
        'POST /api/v1/webhooks/subscriptions',
        'GET /openapi.json',
        'GET /api/v1/added-later',
        'POST /internal/added-later',
      ]),
    );
    expect(names.length).toBeGreaterThan(25);
    expect(registeredRoutes(world.app).filter((route) => route.public)).toEqual([
      { method: 'POST', url: '/api/v1/session', public: true },
      { method: 'GET', url: '/', public: true },
      { method: 'GET', url: '/assets/*', public: true },
      { method: 'GET', url: '/health', public: true },
      { method: 'GET', url: '/healthz', public: true },
      { method: 'GET', url: '/readyz', public: true },
    ]);
    expect([...PUBLIC_ROUTES]).toEqual([
      'GET /health',
      'GET /healthz',
      'GET /readyz',
      'GET /',
      'GET /assets/*',
      'POST /api/v1/session',
    ]);
  });

  it('every GET route answers 200 with the admin token (the samples reach real routes)', async () => {
    const answers = [];
    for (const route of routes.filter((r) => r.method === 'GET')) {
      const answer = await rawHttp(world.port, request(route, bearer(world.adminToken)), { headOnly: true });
      answers.push([route.url, answer.status]);
    }
    expect(answers).toEqual(answers.map(([url]) => [url, 200]));
  });

  it.each(['viewer', 'approver', 'admin'] as const)(
    'every GET route answers 200 to a named %s operator',
    async (role) => {
      const answers = [];
      for (const route of routes.filter((r) => r.method === 'GET')) {
        const answer = await rawHttp(world.port, request(route, bearer(world.operatorTokens[role])), {
          headOnly: true,
        });
        answers.push([route.url, answer.status]);
      }
      expect(answers).toEqual(answers.map(([url]) => [url, 200]));
    },
  );

  it('the reads that take a body, and deciding approvals, are the only writes below admin', () => {
    const names = routes.map(key);
    expect(names).toEqual(expect.arrayContaining([...APPROVER_WRITES]));
  });
});

describe.each(ATTACKS)('every admin route refuses $name', (attack) => {
  it(`with ${attack.refusedWith.status} ${attack.refusedWith.code}, and changes nothing`, async () => {
    const before = await stateOf(world);
    const calledBefore = world.lateRoutesCalled();
    const targets = routes.filter(
      (route) => (!attack.writesOnly || WRITES.has(route.method)) && (attack.only?.(route) ?? true),
    );
    expect(targets.length).toBeGreaterThan(attack.writesOnly || attack.only ? 10 : 25);
    const answers = [];
    for (const route of targets) {
      const answer = await rawHttp(world.port, attack.request(route, world));
      answers.push({ route: `${route.method} ${route.url}`, status: answer.status, code: answer.json?.code });
    }
    expect(answers).toEqual(
      targets.map((route) => ({ route: `${route.method} ${route.url}`, ...attack.refusedWith })),
    );
    expect(await stateOf(world)).toEqual(before);
    expect(world.lateRoutesCalled()).toBe(calledBefore);
  });
});
