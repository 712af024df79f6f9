import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleSessions } from '../../src/admin/index.js';
import { sealRecord } from '../../src/audit/index.js';
import { createOperatorService } from '../../src/operators/index.js';
import { type RawRequest, rawHttp } from '../support/raw-http.js';
import { type AdminWorld, startAdminWorld, stateOf } from './admin-server.js';

/**
 * The console's second credential, the session cookie: how it is made (admin token or one-time code),
 * what it is (HttpOnly, SameSite=Strict, an expiry), and what it is refused (no cookie, a spent or
 * forged one, a request that changes state from another origin or without the CSRF token).
 */
let world: AdminWorld;
let own: string;

function call(method: string, target: string, headers: Record<string, string> = {}, body?: unknown) {
  const request: RawRequest = {
    method,
    target,
    headers: {
      host: `127.0.0.1:${world.port}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
  return rawHttp(world.port, request);
}

/** Signs in as the console does; returns the cookie header and CSRF token it got. */
async function signIn(body: unknown, headers: Record<string, string> = { origin: own }) {
  const answer = await call('POST', '/api/v1/session', headers, body);
  const cookie = answer.headers['set-cookie'] ?? '';
  return {
    answer,
    setCookie: cookie,
    cookie: cookie.split(';', 1)[0] ?? '',
    csrf: String(answer.json?.csrfToken ?? ''),
  };
}

beforeAll(async () => {
  world = await startAdminWorld();
  own = `http://127.0.0.1:${world.port}`;
});

afterAll(async () => {
  await world?.close();
});

describe('signing the console in', () => {
  it('trades the admin token for an HttpOnly, SameSite=Strict cookie with an expiry, and a CSRF token', async () => {
    const { answer, setCookie, csrf } = await signIn({ token: world.adminToken });
    expect(answer.status).toBe(200);
    expect(setCookie).toMatch(
      /^bollard_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/,
    );
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(answer.text).not.toContain(world.adminToken);
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('marks the cookie Secure when the console is reached over TLS (an https Origin through a TLS proxy)', async () => {
    const tls = await startAdminWorld({ allowedOrigins: ['https://bollard.example.com'] });
    try {
      const answer = await rawHttp(tls.port, {
        method: 'POST',
        target: '/api/v1/session',
        headers: {
          host: `127.0.0.1:${tls.port}`,
          origin: 'https://bollard.example.com',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ token: tls.adminToken }),
      });
      expect(answer.headers['set-cookie']).toMatch(/; Secure$/);
    } finally {
      await tls.close();
    }
  });

  it('refuses a wrong token, an agent token, a foreign origin, and a text/plain form post', async () => {
    expect((await signIn({ token: 'boladm_wrong' })).answer.json?.code).toBe('admin_unauthorized');
    expect((await signIn({ token: world.agentToken })).answer.status).toBe(401);
    const foreign = await signIn({ token: world.adminToken }, { origin: 'https://evil.example' });
    expect([foreign.answer.status, foreign.answer.json?.code, foreign.setCookie]).toEqual([
      403,
      'origin_not_allowed',
      '',
    ]);
    const form = await call(
      'POST',
      '/api/v1/session',
      { origin: own, 'content-type': 'text/plain' },
      { token: world.adminToken },
    );
    expect(form.json?.code).toBe('unsupported_media_type');
  });

  it('takes a one-time code once (a sign-in link), and refuses it after', async () => {
    const link = await call('POST', '/api/v1/session/links', { authorization: `Bearer ${world.adminToken}` });
    expect(link.status).toBe(201);
    expect(link.json?.path).toBe(`/#/sign-in?code=${link.json?.code}`);
    const first = await signIn({ code: link.json?.code });
    expect(first.answer.status).toBe(200);
    const again = await signIn({ code: link.json?.code });
    expect([again.answer.status, again.answer.json?.code]).toEqual([401, 'admin_unauthorized']);
  });
});

describe('what a session may do', () => {
  it('reads with the cookie alone, and writes from its own origin with the CSRF token', async () => {
    const { cookie, csrf } = await signIn({ token: world.adminToken });
    expect((await call('GET', '/api/v1/agents', { cookie })).status).toBe(200);
    const session = await call('GET', '/api/v1/session', { cookie });
    expect(session.json).toMatchObject({ via: 'session', csrfToken: csrf });
    const made = await call(
      'POST',
      '/api/v1/agents',
      { cookie, origin: own, 'x-bollard-csrf': csrf },
      { name: 'from-console', grants: ['users:read'] },
    );
    expect(made.status).toBe(201);
    const admin = await world.store.queryAudit({ kind: 'admin', limit: 1 });
    expect(admin[0]?.details).not.toHaveProperty('cookie');
  });

  it('refuses a cross-origin state-changing request, even with the cookie and the right CSRF token, and changes nothing', async () => {
    const { cookie, csrf } = await signIn({ token: world.adminToken });
    const before = await stateOf(world);
    const attempts: Record<string, string>[] = [
      { cookie, origin: 'https://evil.example', 'x-bollard-csrf': csrf },
      { cookie, origin: 'http://localhost:3000', 'x-bollard-csrf': csrf }, // same site, another origin
      { cookie, origin: 'null', 'x-bollard-csrf': csrf },
      { cookie, origin: own }, // its own origin, no CSRF token
      { cookie, origin: own, 'x-bollard-csrf': 'x'.repeat(32) },
    ];
    const codes = [];
    for (const headers of attempts) {
      const answer = await call('POST', '/api/v1/agents', headers, {
        name: 'csrf-victim',
        grants: ['users:write'],
      });
      codes.push([answer.status, answer.json?.code]);
    }
    expect(codes).toEqual([
      [403, 'origin_not_allowed'],
      [403, 'origin_not_allowed'],
      [403, 'origin_not_allowed'],
      [403, 'csrf_failed'],
      [403, 'csrf_failed'],
    ]);
    expect(await stateOf(world)).toEqual(before);
  });

  it('refuses the console API without a session, and after sign-out', async () => {
    expect((await call('GET', '/api/v1/agents')).json?.code).toBe('admin_unauthorized');
    expect((await call('GET', '/api/v1/session')).status).toBe(401);
    const { cookie, csrf } = await signIn({ token: world.adminToken });
    const out = await call('DELETE', '/api/v1/session', { cookie, origin: own, 'x-bollard-csrf': csrf });
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie']).toMatch(/^bollard_session=; .*Max-Age=0/);
    expect((await call('GET', '/api/v1/agents', { cookie })).status).toBe(401);
  });

  it("signs an operator in with its own role: a viewer's session reads but may not change, and ends when it is revoked", async () => {
    expect((await signIn({ token: world.operatorTokens.revoked })).answer.status).toBe(401);
    const { cookie, csrf, answer } = await signIn({ token: world.operatorTokens.viewer });
    expect(answer.json?.caller).toEqual({ name: 'vera', role: 'viewer' });
    expect((await call('GET', '/api/v1/agents', { cookie })).status).toBe(200);
    const write = await call(
      'POST',
      '/api/v1/agents',
      { cookie, origin: own, 'x-bollard-csrf': csrf },
      { name: 'by-viewer', grants: ['users:read'] },
    );
    expect([write.status, write.json?.code]).toEqual([403, 'operator_forbidden']);
    await createOperatorService(world.store, { seal: sealRecord }).revoke('vera', {
      name: 'admin',
      role: 'admin',
    });
    expect((await call('GET', '/api/v1/agents', { cookie })).status).toBe(401);
  });

  it('does not fall back to the cookie when a wrong bearer token is sent', async () => {
    const { cookie } = await signIn({ token: world.adminToken });
    const answer = await call('GET', '/api/v1/agents', { cookie, authorization: 'Bearer boladm_wrong' });
    expect(answer.status).toBe(401);
  });

  it('serves the page and its assets without a credential, with the strict CSP and nothing secret in them', async () => {
    const page = await call('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'",
    );
    expect(page.headers['x-frame-options']).toBe('DENY');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const asset = await call('GET', script!);
    expect([asset.status, asset.headers['content-type']]).toEqual([
      200,
      'application/javascript; charset=utf-8',
    ]);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await call('GET', '/assets/../admin-token.sha256')).status).toBe(400);
    expect((await call('GET', '/assets/%2e%2e/package.json')).status).toBe(400);
  });
});

describe('the session store', () => {
  it('ends sessions and codes at their expiry, and keeps only hashes of what it hands out', () => {
    let now = 1_000_000;
    const sessions = createConsoleSessions({ ttlMs: 1000, codeTtlMs: 500, now: () => now });
    const session = sessions.open({ name: 'admin', role: 'admin', operatorId: null });
    const { code } = sessions.issueCode();
    expect(sessions.find(session.id)).not.toBeNull();
    now += 600;
    expect(sessions.exchangeCode(code)).toBeNull();
    now += 400;
    expect(sessions.find(session.id)).toBeNull();
    expect(sessions.find(undefined)).toBeNull();
  });
});
