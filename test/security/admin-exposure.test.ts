import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetProblem } from '../../src/admin/index.js';
import { rawHttp } from '../support/raw-http.js';
import { type AdminWorld, startAdminWorld, stateOf } from './admin-server.js';

let world: AdminWorld;

beforeAll(async () => {
  world = await startAdminWorld();
});

afterAll(async () => {
  await world?.close();
});

function send(method: string, target: string, headers: Record<string, string> = {}, body?: string) {
  return rawHttp(world.port, {
    method,
    target,
    headers: { host: `127.0.0.1:${world.port}`, authorization: `Bearer ${world.adminToken}`, ...headers },
    body,
  });
}

describe('request targets are refused before routing, even with the admin token', () => {
  const refused = [
    ['absolute-form', () => `http://127.0.0.1:${world.port}/api/v1/agents`],
    ['absolute-form to another host', () => 'http://elsewhere.example/api/v1/agents'],
    ['asterisk-form', () => '*'],
    ['an encoded letter in the prefix', () => '/%61pi/v1/agents'],
    ['an encoded letter in a parameter', () => '/api/v1/agents/vic%74im'],
    ['an encoded slash', () => '/api/v1/agents%2fvictim'],
    ['a malformed escape', () => '/api/v1/agents/%zz'],
    ['a dot-dot segment', () => '/api/v1/agents/../agents'],
    ['a dot segment', () => '/api/v1/./agents'],
    ['an empty segment', () => '/api//v1/agents'],
    ['a backslash', () => '/api/v1\\agents'],
    ['a non-ASCII byte', () => '/api/v1/agents/vïctim'],
  ] as const;

  it.each(refused)('%s → 400 invalid_request naming the problem', async (_name, target) => {
    const before = await stateOf(world);
    const answer = await send('GET', target());
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ code: 'invalid_request' });
    expect(String(answer.json?.message)).toMatch(/^Refused: /);
    expect(answer.text).not.toContain('victim"');
    expect(await stateOf(world)).toEqual(before);
  });

  it('a control character never reaches a route (Node refuses it first) and the server stays up', async () => {
    const answer = await send('GET', '/api/v1/agents\u0001');
    expect(answer).toMatchObject({ status: 400, json: { code: 'invalid_request' } });
    expect((await send('GET', '/api/v1/agents')).status).toBe(200);
  });

  it('the query string may carry encoded characters (filters are values, not routes)', async () => {
    const answer = await send('GET', '/api/v1/audit?agent=vic%74im&limit=1');
    expect(answer.status).toBe(200);
  });

  it('targetProblem names each refusal', () => {
    expect(targetProblem('/api/v1/agents?x=%41')).toBeNull();
    expect(targetProblem('/api/v1/agents/..')).toMatch(/dot segments/);
    expect(targetProblem('/api/v1/agents\u0000')).toMatch(/control character/);
    expect(targetProblem('http://x/api')).toMatch(/origin-form/);
  });
});

describe('every route is protected unless listed', () => {
  it('a route registered directly with app.get/app.route after the build is refused without the token', async () => {
    const called = world.lateRoutesCalled();
    const without = await rawHttp(world.port, {
      method: 'GET',
      target: '/api/v1/added-later',
      headers: { host: `127.0.0.1:${world.port}` },
    });
    expect(without).toMatchObject({ status: 401, json: { code: 'admin_unauthorized' } });
    expect(without.text).not.toContain('late');
    expect(world.lateRoutesCalled()).toBe(called);
    expect((await send('GET', '/api/v1/added-later')).json).toEqual({ secret: 'late' });
    expect(world.lateRoutesCalled()).toBe(called + 1);
  });

  it('an unknown path answers 401 without the token (no hint whether it exists), 404 with it', async () => {
    for (const target of ['/api/v1/nope', '/nope', '/api/v1/agents/victim/secret-thing']) {
      const without = await rawHttp(world.port, {
        method: 'GET',
        target,
        headers: { host: `127.0.0.1:${world.port}` },
      });
      expect(without).toMatchObject({ status: 401, json: { code: 'admin_unauthorized' } });
      expect(without.text).not.toContain('nope');
      expect((await send('GET', target)).status).toBe(404);
    }
  });

  it('/openapi.json needs the token; /health does not (but still needs a good Host)', async () => {
    const bare = { host: `127.0.0.1:${world.port}` };
    expect(
      (await rawHttp(world.port, { method: 'GET', target: '/openapi.json', headers: bare })).status,
    ).toBe(401);
    expect((await send('GET', '/openapi.json')).json).toMatchObject({ openapi: '3.1.0' });
    expect((await rawHttp(world.port, { method: 'GET', target: '/health', headers: bare })).json).toEqual({
      ok: true,
    });
    const rebound = await rawHttp(world.port, {
      method: 'GET',
      target: '/health',
      headers: { host: 'rebind.example' },
    });
    expect(rebound).toMatchObject({ status: 421, json: { code: 'misdirected_request' } });
  });
});

describe('Host: loopback names and addresses with any port; nothing else by default', () => {
  it.each(['localhost', 'LOCALHOST:7601', '127.0.0.1', '127.0.0.1:1', '[::1]', '[::1]:7601'])(
    'allows %s',
    async (host) => {
      expect((await send('GET', '/api/v1/agents', { host })).status).toBe(200);
    },
  );

  it.each([
    'rebind.example',
    'localhost.rebind.example',
    '127.0.0.1.nip.io',
    '0.0.0.0',
    '10.0.0.1:7601',
    '[::2]',
  ])('refuses %s with 421 misdirected_request', async (host) => {
    const answer = await send('GET', '/api/v1/agents', { host });
    expect(answer).toMatchObject({ status: 421, json: { code: 'misdirected_request' } });
    expect(String(answer.json?.message)).toContain('BOLLARD_ADMIN_ALLOWED_HOSTS');
  });
});

describe('state-changing requests: JSON only, from an allowed Origin', () => {
  it('refuses text/plain, form posts and an undeclared body with 415, before reading them', async () => {
    const before = await stateOf(world);
    const body = JSON.stringify({ name: 'intruder', grants: ['users:write'] });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const answer = await send('POST', '/api/v1/agents', { 'content-type': type }, body);
      expect(answer).toMatchObject({ status: 415, json: { code: 'unsupported_media_type' } });
    }
    const undeclared = await send('POST', '/api/v1/agents', {}, body);
    expect(undeclared).toMatchObject({ status: 415, json: { code: 'unsupported_media_type' } });
    expect(await stateOf(world)).toEqual(before);
  });

  it('accepts application/json (with parameters), and no content type when there is no body', async () => {
    const created = await send(
      'POST',
      '/api/v1/agents',
      { 'content-type': 'Application/JSON; charset=utf-8' },
      JSON.stringify({ name: 'json-ok', grants: [] }),
    );
    expect(created.status).toBe(201);
    expect((await send('POST', '/api/v1/agents/json-ok/revoke')).status).toBe(200);
    expect((await send('DELETE', '/api/v1/agents/json-ok')).status).toBe(204);
  });

  it('refuses a foreign or null Origin (on reads too), allows a loopback one, and sends no CORS headers', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1.evil.example']) {
      const answer = await send('GET', '/api/v1/agents', { origin });
      expect(answer).toMatchObject({ status: 403, json: { code: 'origin_not_allowed' } });
    }
    const local = await send('GET', '/api/v1/agents', { origin: `http://localhost:${world.port}` });
    expect(local.status).toBe(200);
    expect(Object.keys(local.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    const preflight = await rawHttp(world.port, {
      method: 'OPTIONS',
      target: '/api/v1/agents',
      headers: {
        host: `127.0.0.1:${world.port}`,
        origin: `http://localhost:${world.port}`,
        'access-control-request-method': 'POST',
      },
    });
    expect(preflight.status).toBe(401);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('configured hosts and origins', () => {
  let open: AdminWorld;

  beforeAll(async () => {
    open = await startAdminWorld({
      adminHost: '10.1.2.3',
      allowedHosts: ['admin.internal', 'ops.example:8443'],
      allowedOrigins: ['https://console.example'],
    });
  });

  afterAll(async () => {
    await open?.close();
  });

  function call(headers: Record<string, string>, method = 'GET') {
    return rawHttp(open.port, {
      method,
      target: '/api/v1/agents',
      headers: { authorization: `Bearer ${open.adminToken}`, ...headers },
    });
  }

  it('answers the admin host, the listed names (any port) and name:port entries (that port only)', async () => {
    for (const host of ['10.1.2.3:7601', 'admin.internal', 'admin.internal:9999', 'ops.example:8443']) {
      expect([host, (await call({ host })).status]).toEqual([host, 200]);
    }
    for (const host of ['ops.example', 'ops.example:8444', 'internal']) {
      expect([host, (await call({ host })).status]).toEqual([host, 421]);
    }
  });

  it('a configured origin gets CORS headers and its preflight; an allowed-host origin gets none', async () => {
    const console = await call({ host: 'admin.internal', origin: 'https://console.example' });
    expect(console.status).toBe(200);
    expect(console.headers['access-control-allow-origin']).toBe('https://console.example');
    const preflight = await rawHttp(open.port, {
      method: 'OPTIONS',
      target: '/api/v1/agents',
      headers: {
        host: 'admin.internal',
        origin: 'https://console.example',
        'access-control-request-method': 'POST',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
    const sameHost = await call({ host: 'admin.internal', origin: 'http://admin.internal' });
    expect(sameHost.status).toBe(200);
    expect(sameHost.headers['access-control-allow-origin']).toBeUndefined();
    expect((await call({ host: 'admin.internal', origin: 'https://console.example.evil' })).status).toBe(403);
  });

  it('a configured origin still needs the token', async () => {
    const answer = await rawHttp(open.port, {
      method: 'GET',
      target: '/api/v1/agents',
      headers: { host: 'admin.internal', origin: 'https://console.example' },
    });
    expect(answer).toMatchObject({ status: 401, json: { code: 'admin_unauthorized' } });
  });
});
