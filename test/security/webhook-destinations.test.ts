import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeServer } from '../../src/app/create-app.js';
import { signatureHeader } from '../../src/webhooks/index.js';
import { eventually } from '../support/eventually.js';
import { type BollardProcess, startBollardProcess } from '../support/processes.js';

// Each case runs `bollard start` as its own process, as an operator does.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ADMIN_TOKEN = 'admin-token-for-destination-tests';
const WEBHOOK_SECRET = 'whsec_destination_tests';

/** A receiver on 127.0.0.1 that counts what reaches it; `redirect` makes it answer 302 elsewhere. */
async function startReceiver(redirect?: string) {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    if (redirect) res.writeHead(302, { location: redirect }).end();
    else res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { hits, port: (server.address() as AddressInfo).port, close: () => closeServer(server) };
}

interface Delivery {
  eventId: string;
  attempts: number;
  status: string;
  lastStatus: number | null;
  lastError: string | null;
}

/** The admin API's answers, as far as these tests read them. */
interface Answer {
  code?: string;
  message?: string;
  data?: Array<Delivery & { id: string; url: string }>;
  subscription?: { id: string };
}

function admin(bollard: BollardProcess) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${bollard.adminUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: ((await response.json().catch(() => null)) ?? {}) as Answer,
    };
  };
}

/** A WorkOS event, signed as WorkOS signs it, into Bollard's receiver. */
async function sendEvent(bollard: BollardProcess, id: string): Promise<void> {
  const body = JSON.stringify({
    id,
    event: 'user.created',
    data: { object: 'user', id: `user_${id}` },
    created_at: new Date().toISOString(),
  });
  const response = await fetch(`${bollard.proxyUrl}/webhooks/workos`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'workos-signature': signatureHeader([WEBHOOK_SECRET], body),
    },
    body,
  });
  expect(response.status).toBe(200);
}

const dataDirs: string[] = [];

afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bollard-destinations-'));
  dataDirs.push(dataDir);
  const bollard = await startBollardProcess({
    BOLLARD_DATA_DIR: dataDir,
    BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
    WORKOS_WEBHOOK_SECRET: WEBHOOK_SECRET,
    BOLLARD_LOG_LEVEL: 'warn',
    // These start in demo mode, which would allow loopback receivers: say "none" as an operator would.
    BOLLARD_WEBHOOK_ALLOW_PRIVATE: '0',
    ...env,
  });
  const call = admin(bollard);
  expect((await call('POST', '/agents', { name: 'hooked', grants: ['users:read'] })).status).toBe(201);
  return { bollard, call };
}

const portOf = (url: string) => Number(new URL(url).port);

describe('by default, webhook destinations are public addresses only', () => {
  let bollard: BollardProcess;
  let call: ReturnType<typeof admin>;
  const receivers: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    ({ bollard, call } = await start());
  });

  afterAll(async () => {
    await bollard?.stop();
    for (const receiver of receivers) await receiver.close();
  });

  const subscribe = (url: string) =>
    call('POST', '/webhooks/subscriptions', { agent: 'hooked', url, events: ['user.created'] });

  it.each([
    ['http://127.0.0.1/hooks', 'loopback'],
    ['http://127.1/hooks', 'loopback'],
    ['http://2130706433/hooks', 'loopback'],
    ['http://0x7f000001/hooks', 'loopback'],
    ['http://0177.0.0.1/hooks', 'loopback'],
    ['http://[::1]/hooks', 'loopback'],
    ['http://[::ffff:127.0.0.1]/hooks', 'loopback'],
    ['http://[::ffff:a9fe:a9fe]/latest/meta-data', 'link-local'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://[fe80::1]/hooks', 'link-local'],
    ['http://10.0.0.5/hooks', 'private (10/8)'],
    ['http://172.16.3.4/hooks', 'private (172.16/12)'],
    ['http://172.31.255.255/hooks', 'private (172.16/12)'],
    ['http://192.168.1.1/hooks', 'private (192.168/16)'],
    ['http://[fc00::1]/hooks', 'unique-local'],
    ['http://[fd12:3456::1]/hooks', 'unique-local'],
    ['http://100.64.0.1/hooks', 'carrier-grade NAT'],
    ['http://0.0.0.0/hooks', 'this network'],
    ['http://0/hooks', 'this network'],
    ['http://user:secret@hooks.example/hooks', 'user name or password'],
  ])('refuses %s at subscribe time: validation_failed naming "%s"', async (url, why) => {
    const refused = await subscribe(url);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('validation_failed');
    expect(refused.body.message).toContain(why);
  });

  it("refuses Bollard's own admin port by address, and accepts public addresses and names", async () => {
    const own = await subscribe(`http://127.0.0.1:${portOf(bollard.adminUrl)}/api/v1/agents`);
    expect(own).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    expect((await subscribe('https://93.184.215.14/hooks')).status).toBe(201);
    expect((await subscribe('https://hooks.example/hooks')).status).toBe(201);
    const listed = (await call('GET', '/webhooks/subscriptions?agent=hooked')).body.data as Array<{
      url: string;
    }>;
    expect(listed.map((s) => s.url).sort()).toEqual([
      'https://93.184.215.14/hooks',
      'https://hooks.example/hooks',
    ]);
    for (const s of (await call('GET', '/webhooks/subscriptions')).body.data ?? [])
      await call('DELETE', `/webhooks/subscriptions/${s.id}`);
  });

  it('a name that resolves to 127.0.0.1 (localhost) is accepted as a name, and refused at delivery', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const subscribed = await subscribe(`http://localhost:${receiver.port}/hooks`);
    expect(subscribed.status).toBe(201);
    await sendEvent(bollard, 'event_rebind_1');
    const delivery = await eventually(async () => {
      const found = (await call('GET', '/webhooks/deliveries')).body.data ?? [];
      const attempted = found.find((d) => d.eventId === 'event_rebind_1' && d.attempts >= 1);
      expect(attempted).toBeDefined();
      return attempted!;
    });
    expect(delivery.status).not.toBe('delivered');
    expect(delivery.lastStatus).toBeNull();
    expect(delivery.lastError).toMatch(
      /^destination_refused: localhost resolves only to refused addresses: 127\.0\.0\.1 is a loopback address/,
    );
    expect(receiver.hits).toEqual([]);
    await call('DELETE', `/webhooks/subscriptions/${subscribed.body.subscription?.id}`);
  });
});

describe('BOLLARD_WEBHOOK_ALLOW_PRIVATE lets the operator allow private destinations', () => {
  let bollard: BollardProcess;
  let call: ReturnType<typeof admin>;
  const receivers: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    ({ bollard, call } = await start({ BOLLARD_WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8' }));
  });

  afterAll(async () => {
    await bollard?.stop();
    for (const receiver of receivers) await receiver.close();
  });

  const subscribe = (url: string) =>
    call('POST', '/webhooks/subscriptions', { agent: 'hooked', url, events: ['user.created'] });

  it('delivers to a listed range (by address and by name); other private ranges stay refused', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    expect((await subscribe(`http://127.0.0.1:${receiver.port}/by-address`)).status).toBe(201);
    expect((await subscribe(`http://localhost:${receiver.port}/by-name`)).status).toBe(201);
    const refused = await subscribe('http://10.0.0.5/hooks');
    expect(refused).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    await sendEvent(bollard, 'event_allowed_1');
    await eventually(() => expect(receiver.hits.sort()).toEqual(['/by-address', '/by-name']));
  });

  it("still never delivers to Bollard's own ports, and treats a redirect as a failure it does not follow", async () => {
    for (const s of (await call('GET', '/webhooks/subscriptions')).body.data ?? [])
      await call('DELETE', `/webhooks/subscriptions/${s.id}`);
    const own = await subscribe(`http://127.0.0.1:${portOf(bollard.adminUrl)}/api/v1/agents`);
    expect(own).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    expect(own.body.message).toContain('is Bollard itself');
    const target = await startReceiver();
    const redirecting = await startReceiver(`http://127.0.0.1:${target.port}/redirected`);
    receivers.push(target, redirecting);
    expect((await subscribe(`http://localhost:${portOf(bollard.proxyUrl)}/webhooks/workos`)).status).toBe(
      201,
    );
    expect((await subscribe(`http://127.0.0.1:${redirecting.port}/moved`)).status).toBe(201);
    await sendEvent(bollard, 'event_own_1');
    const attempts = await eventually(async () => {
      const found = (await call('GET', '/webhooks/deliveries')).body.data ?? [];
      const mine = found.filter((d) => d.eventId === 'event_own_1' && d.attempts >= 1);
      expect(mine).toHaveLength(2);
      return mine;
    });
    const redirected = attempts.find((d) => d.lastStatus !== null);
    const toSelf = attempts.find((d) => d.lastStatus === null);
    expect(redirected).toMatchObject({ lastStatus: 302, lastError: null });
    expect(redirected?.status).not.toBe('delivered');
    expect(toSelf?.lastError).toMatch(/^destination_refused: .*is Bollard itself/);
    expect(redirecting.hits).toEqual(['/moved']);
    expect(target.hits).toEqual([]);
  });
});
