import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer } from '../../src/app/create-app.js';
import {
  createDeliveryDispatcher,
  createDestinationGuard,
  type DestinationRules,
  postDelivery,
  specialRange,
  unmapIPv4,
} from '../../src/webhooks/index.js';

let server: Server;
let port: number;
const hosts: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hosts.push(String(req.headers.host));
    req.resume();
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await closeServer(server);
});

/** One delivery to `url` through a real dispatcher built on these rules; the DNS answers are scripted. */
async function deliver(url: string, rules: Partial<DestinationRules>, answers: string[][]) {
  const lookups: string[] = [];
  const guard = createDestinationGuard({
    allowPrivate: { all: false, cidrs: [] },
    ownPorts: () => [],
    lookup: async (hostname) => {
      lookups.push(hostname);
      return answers.shift() ?? [];
    },
    ...rules,
  });
  const dispatcher = createDeliveryDispatcher(guard, 5_000);
  try {
    const response = await postDelivery({
      url,
      body: '{}',
      secrets: ['whsec_pinning'],
      timeoutMs: 10_000,
      deliveryId: 'whd_pinning',
      eventId: 'event_pinning',
      now: Date.now,
      dispatcher,
    });
    return { ...response, lookups };
  } finally {
    await dispatcher.close();
  }
}

describe('delivery connections go to the address that was checked', () => {
  it('a name that resolves to loopback is refused before any connection', async () => {
    const before = hosts.length;
    const result = await deliver(`http://rebind.invalid:${port}/hooks`, {}, [['127.0.0.1']]);
    expect(result.status).toBeNull();
    expect(result.error).toBe(
      'destination_refused: rebind.invalid resolves only to refused addresses: 127.0.0.1 is a loopback address; set BOLLARD_WEBHOOK_ALLOW_PRIVATE to allow it',
    );
    expect(hosts.length).toBe(before);
  });

  it('the connection is pinned to the checked answer: the name is looked up once and never by the OS', async () => {
    // `.invalid` never resolves (RFC 6761): the request can only arrive if Bollard connected to the checked address.
    const result = await deliver(
      `http://pinned.invalid:${port}/hooks`,
      { allowPrivate: { all: false, cidrs: ['127.0.0.0/8'] } },
      [['127.0.0.1'], ['10.9.9.9']],
    );
    expect(result).toMatchObject({ status: 204, error: null, lookups: ['pinned.invalid'] });
    expect(hosts.at(-1)).toBe(`pinned.invalid:${port}`);
  });

  it('a mixed answer uses an allowed address only', async () => {
    const result = await deliver(
      `http://mixed.invalid:${port}/hooks`,
      { allowPrivate: { all: false, cidrs: ['127.0.0.1/32'] } },
      [['10.0.0.1', '127.0.0.1']],
    );
    expect(result.status).toBe(204);
  });

  it('an address literal is checked too, at delivery (a subscription older than the rule)', async () => {
    const result = await deliver(`http://127.0.0.1:${port}/hooks`, {}, []);
    expect(result.error).toMatch(/^destination_refused: 127\.0\.0\.1 is a loopback address/);
    expect(result.lookups).toEqual([]);
  });

  it("refuses Bollard's own port on this machine even when private ranges are allowed", async () => {
    const result = await deliver(
      `http://localhost:${port}/hooks`,
      { allowPrivate: { all: true, cidrs: [] }, ownPorts: () => [port] },
      [['127.0.0.1']],
    );
    expect(result.error).toMatch(/is Bollard itself$/);
  });
});

describe('address classification', () => {
  it.each([
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::7f00:1', '127.0.0.1'],
    ['64:ff9b::a9fe:a9fe', '169.254.169.254'],
    ['2001:db8::1', '2001:db8::1'],
  ])('%s is read as %s', (address, plain) => {
    expect(unmapIPv4(address)).toBe(plain);
  });

  it('public addresses are in no special range', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700::1111', '172.32.0.1', '100.128.0.1'])
      expect([address, specialRange(address)]).toEqual([address, null]);
  });
});
