import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';

/** Sends raw bytes and returns the status line's code and the body (or 0 when the socket closed silently). */
function raw(port: number, request: string | Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => {
      data += String(chunk);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, text: data });
    });
    socket.setTimeout(5_000, () => socket.destroy());
    socket.end(request);
  });
}

describe('hostile requests: refused with a clear answer, nothing reaches WorkOS, Bollard stays up', () => {
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    h = await startHarness();
    token = await h.agent('everything-org', ['organizations:write', 'users:write']);
  });
  afterAll(() => h?.close());

  const auth = () => `Authorization: Bearer ${token}\r\n`;
  const cases: Array<[string, () => string, number, string | null]> = [
    [
      'absolute-form target',
      () => `GET http://evil.example/organizations HTTP/1.1\r\nHost: x\r\n${auth()}Connection: close\r\n\r\n`,
      400,
      'invalid_request',
    ],
    [
      'double-encoded traversal',
      () => `GET /organizations/%252e%252e/x HTTP/1.1\r\nHost: x\r\n${auth()}Connection: close\r\n\r\n`,
      400,
      'invalid_request',
    ],
    [
      'encoded slash',
      () => `GET /organizations/org_1%2F..%2Fusers HTTP/1.1\r\nHost: x\r\n${auth()}Connection: close\r\n\r\n`,
      400,
      'invalid_request',
    ],
    [
      'method override header',
      () =>
        `POST /organizations HTTP/1.1\r\nHost: x\r\n${auth()}X-HTTP-Method-Override: DELETE\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      400,
      'invalid_request',
    ],
    [
      'TRACE',
      () => `TRACE /organizations HTTP/1.1\r\nHost: x\r\n${auth()}Connection: close\r\n\r\n`,
      400,
      'invalid_request',
    ],
    [
      'gzip body',
      () =>
        `POST /organizations HTTP/1.1\r\nHost: x\r\n${auth()}Content-Encoding: gzip\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      400,
      'invalid_request',
    ],
    [
      'declared body over 1 MiB',
      () =>
        `POST /organizations HTTP/1.1\r\nHost: x\r\n${auth()}Content-Type: application/json\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n{}`,
      413,
      'payload_too_large',
    ],
    [
      'chunked body over 1 MiB',
      () =>
        `POST /organizations HTTP/1.1\r\nHost: x\r\n${auth()}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${'100000\r\n' + 'a'.repeat(0x100000) + '\r\n'}10\r\n${'b'.repeat(16)}\r\n0\r\n\r\n`,
      413,
      'payload_too_large',
    ],
    [
      'smuggling: Content-Length with Transfer-Encoding',
      () =>
        `POST /organizations HTTP/1.1\r\nHost: x\r\n${auth()}Content-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /users HTTP/1.1\r\n\r\n`,
      400,
      null,
    ],
    [
      'token in the wrong scheme',
      () =>
        `GET /organizations HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${Buffer.from(`${token}:`).toString('base64')}\r\nConnection: close\r\n\r\n`,
      401,
      'unauthorized',
    ],
    [
      'Bollard token with a flipped character',
      () =>
        `GET /organizations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}\r\nConnection: close\r\n\r\n`,
      401,
      'unauthorized',
    ],
    [
      'client_secret endpoint with a non-object body',
      () =>
        `POST /user_management/authenticate HTTP/1.1\r\nHost: x\r\n${auth()}Content-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n["x","y"]`,
      400,
      'invalid_request',
    ],
  ];

  it.each(cases)('%s', async (_name, request, status, code) => {
    await h.clearEmulatorRequests();
    const answer = await raw(h.port, request());
    expect(answer.status).toBe(status);
    if (code) expect(answer.text).toContain(`"code":"${code}"`);
    expect(answer.text).not.toContain(h.emulator.apiKey);
    expect(await h.emulatorRequests()).toEqual([]);
    // Still serving.
    const ok = await fetch(`${h.proxyUrl}/organizations`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
  });
});
