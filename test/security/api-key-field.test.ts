import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

/**
 * The WorkOS key goes into a body only where WorkOS takes the key there (`client_secret` of the sign-in
 * exchanges). A data integration's `client_secret` is the caller's own OAuth app secret: overwriting it
 * with the key would store Bollard's key at WorkOS as a third party's secret, and refusing it as an
 * "ambiguous token" would make the endpoint unusable. A recording upstream shows the bytes WorkOS gets.
 */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const API_KEY = `sk_test_apikeyfield${Date.now().toString(36)}`;
let h: Harness;
let upstream: Server;
const received: Received[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += String(chunk);
    });
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"ok"}');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  h = await startHarness({ app: { upstream: { url, apiKey: API_KEY } }, config: { rateLimits: 'off' } });
});

afterAll(async () => {
  await h?.close();
  upstream?.close();
});

describe("a client_secret that is not WorkOS's key", () => {
  it('is forwarded as the caller sent it, with the key only in Authorization', async () => {
    const token = await h.agent('pipes-admin', ['pipes:write']);
    const cases = [
      ['PUT', '/organizations/org_01HXYZ/data_integration_configurations/salesforce'],
      ['POST', '/data-integrations/salesforce/client-credentials'],
      ['PUT', '/data-integrations/salesforce/client-credentials'],
    ] as const;
    for (const [method, path] of cases) {
      received.length = 0;
      const body = JSON.stringify({ client_id: 'their-app', client_secret: 'their-oauth-secret' });
      const response = await fetch(`${h.proxyUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
      expect(response.status, `${method} ${path}`).toBe(200);
      expect(received).toHaveLength(1);
      expect(received[0]!.body).toBe(body);
      expect(received[0]!.body).not.toContain(API_KEY);
      expect(received[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    }
  });

  it('while the sign-in exchange still gets the key in its body', async () => {
    const token = await h.agent('signer', ['users:write']);
    received.length = 0;
    const response = await fetch(`${h.proxyUrl}/user_management/authenticate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'client_x',
        client_secret: token,
        grant_type: 'password',
        email: 'a@b.test',
        password: 'pw',
      }),
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(received[0]!.body).client_secret).toBe(API_KEY);
  });
});
