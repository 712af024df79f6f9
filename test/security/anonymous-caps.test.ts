import net from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/index.js';
import { AnonymousTraffic } from '../../src/gateway/index.js';
import type { AuditDraft } from '../../src/store/types.js';
import { auditRecords, callsRepresented, type Harness, startHarness } from '../support/harness.js';

/** Connects and resolves once the socket is open; `closed` resolves when the server closes it. */
interface OpenSocket {
  socket: net.Socket;
  closed: Promise<void>;
}

async function openSocket(port: number): Promise<OpenSocket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await Promise.race([new Promise<void>((resolve) => socket.once('connect', () => resolve())), closed]);
  return { socket, closed };
}

/** Sends one request on an open socket and resolves with the status code of the answer (0: closed unanswered). */
function requestOn({ socket, closed }: OpenSocket, head: string): Promise<number> {
  return new Promise((resolve) => {
    let data = '';
    void closed.then(() => resolve(0));
    const onData = (chunk: Buffer) => {
      data += String(chunk);
      const match = /^HTTP\/1\.1 (\d{3})[\s\S]*?\r\n\r\n/.exec(data);
      if (match) {
        socket.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    socket.on('data', onData);
    socket.write(`${head}Host: x\r\n\r\n`);
  });
}

describe('per-source caps on unauthenticated traffic', () => {
  let h: Harness;
  let pool: Pool;
  let agentToken: string;

  beforeAll(async () => {
    // Failures are earned back at one per 1,000 s: within this test an empty bucket stays empty.
    h = await startHarness({
      config: { anonymousFailureBurst: 5, anonymousFailuresPerSecond: 0.001, anonymousMaxConnections: 4 },
    });
    pool = new Pool(h.proxyUrl, { connections: 1 });
    agentToken = await h.agent('same-address-agent', ['organizations:read']);
  });
  afterAll(async () => {
    await pool?.close();
    await h?.close();
  });

  it('answers 429 before any store work once a source has used its anonymous failures; a valid agent still gets through', async () => {
    await h.app.audit.flush();
    const before = (await h.app.store.auditBounds()).lastSeq;
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 105; i++) {
      const response = await pool.request({
        method: 'GET',
        path: '/organizations',
        headers: i % 2 ? { authorization: 'Bearer not-a-token' } : {},
      });
      const body = (await response.body.json()) as { code: string };
      statuses.push(response.statusCode);
      if (response.statusCode === 429) {
        expect(body.code).toBe('rate_limit_exceeded');
        retryAfter = String(response.headers['retry-after']);
      }
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(100).fill(429));
    expect(Number(retryAfter)).toBeGreaterThan(0);

    // The agent's own calls from the same address are authenticated as usual, on the same connections.
    const organizations = await h.sdk(agentToken).organizations.listOrganizations();
    expect(organizations.data.length).toBeGreaterThan(0);
    // So are those of SDKs that send the agent token as the body's client_secret, with no bearer.
    const bodyToken = await pool.request({
      method: 'POST',
      path: '/user_management/authenticate',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'refresh_token',
        refresh_token: 'r',
        client_id: 'c',
        client_secret: agentToken,
      }),
    });
    await bodyToken.body.dump();
    expect(bodyToken.statusCode).not.toBe(429);
    expect(bodyToken.statusCode).not.toBe(401);

    await h.app.anonymous.flush();
    await h.app.audit.flush();
    const records = (await auditRecords(h.app, before + 1)).filter((r) => r.agentId === null);
    const refused = records.filter((r) => r.reason === 'anonymous_failures');
    // The 100 refusals cost no record each: the first in full, the rest counted in aggregates.
    expect(refused.length).toBeLessThanOrEqual(4);
    expect(refused.reduce((sum, r) => sum + callsRepresented(r), 0)).toBe(100);
    expect(refused[0]).toMatchObject({
      status: 429,
      rule: 'guard:anonymous_failures',
      clientIp: '127.0.0.1',
    });
    expect(records.reduce((sum, r) => sum + callsRepresented(r), 0)).toBe(105);
    expect(await verifyChain(h.app.store)).toMatchObject({ ok: true });
  });
});

describe('per-source cap on unauthenticated connections', () => {
  let h: Harness;
  let agentToken: string;

  beforeAll(async () => {
    h = await startHarness({ config: { anonymousMaxConnections: 4 } });
    agentToken = await h.agent('connection-agent', ['organizations:read']);
  });
  afterAll(() => h?.close());

  it('past the cap, a connection whose first call has no token gets 429 and is closed; an agent’s is served', async () => {
    const sockets: net.Socket[] = [];
    const open = async () => {
      const opened = await openSocket(h.port);
      sockets.push(opened.socket);
      return opened;
    };
    const asAgent = `GET /organizations HTTP/1.1\r\nAuthorization: Bearer ${agentToken}\r\n`;
    const anonymous = 'GET /sso/jwks/client_x HTTP/1.1\r\n';
    try {
      const idle = [];
      for (let i = 0; i < 4; i++) idle.push(await open());
      // Once a call on a connection authenticates, it no longer counts: room for one more.
      expect(await requestOn(idle[0]!, asAgent)).toBe(200);
      const fourth = await open();
      expect(await requestOn(fourth, anonymous)).not.toBe(429);

      // Past the cap: no token on the first call → 429, and the connection is closed.
      const over = await open();
      expect(await requestOn(over, anonymous)).toBe(429);
      await over.closed;
      // Past the cap, an agent's connection is served as usual.
      const agent = await open();
      expect(await requestOn(agent, asAgent)).toBe(200);
      expect(await requestOn(agent, asAgent)).toBe(200);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    await h.app.anonymous.flush();
    await h.app.audit.flush();
    const refused = (await auditRecords(h.app)).filter((r) => r.reason === 'too_many_connections');
    expect(refused).toMatchObject([
      { status: 429, rule: 'guard:too_many_connections', clientIp: '127.0.0.1' },
    ]);
  });
});

describe('a connection past the cap that sends nothing', () => {
  it('is closed after its probation, and recorded', async () => {
    const written: AuditDraft[] = [];
    const traffic = new AnonymousTraffic({
      maxConnections: 1,
      probationMs: 20,
      failureBurst: 0,
      failuresPerSecond: 1,
      windowMs: 1_000,
      append: async (draft) => written.push(draft),
      now: Date.now,
      onError: (error) => {
        throw error;
      },
    });
    const server = net.createServer((socket) => traffic.admitConnection(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const first = await openSocket(port);
    const second = await openSocket(port);
    try {
      await second.closed;
      expect(first.socket.destroyed).toBe(false);
      await traffic.flush();
      expect(written).toMatchObject([{ reason: 'too_many_connections', clientIp: '127.0.0.1' }]);
    } finally {
      first.socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
