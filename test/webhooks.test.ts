import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkOS } from '@workos-inc/node';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashAdminToken } from '../src/admin/admin-token.js';
import { buildAdminServer } from '../src/admin/index.js';
import { type BollardApp, closeServer, createApp, listen } from '../src/app/create-app.js';
import { events as catalogEvents } from '../src/catalog/index.js';
import { loadConfig } from '../src/config/index.js';
import {
  DEMO_SEED,
  signatureHeader as emulatorSignature,
  type RunningEmulator,
  startEmulator,
} from '../src/emulator/index.js';
import type { WebhookDeliveryRecord } from '../src/store/webhook-types.js';
import { signatureHeader, verifySignature } from '../src/webhooks/index.js';
import { eventually } from './support/eventually.js';

const sdk = new WorkOS('sk_test_receiver_only');
const actor = { kind: 'admin' as const, name: 'test' };
const ALL_EVENTS = catalogEvents.map((event) => event.name);

/** An agent's endpoint: verifies every delivery with the official SDK and its own secret. */
interface Receiver {
  url: string;
  secret: string;
  /** Events verified by constructEvent, in arrival order. */
  received: Array<{ id: string; event: string }>;
  /** Requests that failed verification. */
  rejected: number;
  /** While false the endpoint answers 503 (it is "down"). */
  up: boolean;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    secret: '',
    received: [],
    rejected: 0,
    up: true,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      if (!receiver.up) return res.writeHead(503).end();
      try {
        const event = await sdk.webhooks.constructEvent({
          payload: Buffer.concat(chunks).toString('utf8'),
          sigHeader: String(req.headers['workos-signature']),
          secret: receiver.secret,
        });
        receiver.received.push({ id: event.id, event: event.event });
        res.writeHead(200).end();
      } catch {
        receiver.rejected++;
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = () => closeServer(server);
  return receiver;
}

interface World {
  app: BollardApp;
  emulator: RunningEmulator;
  proxyUrl: string;
  dataDir: string;
  secret: string;
  /** WorkOS's own API on the emulator (the key Bollard holds). */
  workos(method: string, pathname: string, body?: unknown): Promise<Record<string, unknown>>;
  /** Points WorkOS's webhook endpoint at Bollard's receiver (PATCH /webhook_endpoints/{id}). */
  registerWithWorkos(): Promise<void>;
  restart(options?: { schedule?: number[] }): Promise<void>;
  close(): Promise<void>;
}

async function startWorld(
  options: { schedule?: number[]; secret?: 'none'; dataDir?: string } = {},
): Promise<World> {
  const emulator = await startEmulator({ port: 0, seed: 'none', rateLimits: false });
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'bollard-webhooks-'));
  const workos: World['workos'] = async (method, pathname, body) => {
    const response = await fetch(`${emulator.url}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  await fetch(`${emulator.url}/_emulator/reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ seed: DEMO_SEED }),
  });
  // As in the WorkOS dashboard: an endpoint (its URL set once Bollard listens) and the secret WorkOS gives it.
  const endpoint = await workos('POST', '/webhook_endpoints', {
    endpoint_url: 'http://127.0.0.1:9/not-yet',
    events: ALL_EVENTS,
  });
  const secret = options.secret === 'none' ? undefined : String(endpoint.secret);
  const open = async (schedule?: number[]) => {
    const config = loadConfig(
      {
        dataDir,
        logLevel: 'silent',
        auditSynchronous: 'normal',
        rateLimits: 'off',
        // The test's receivers listen on 127.0.0.1.
        webhookAllowPrivate: '1',
        ...(secret ? { workosWebhookSecret: secret } : {}),
      },
      {},
    );
    const app = await createApp(config, {
      logger: pino({ level: 'silent' }),
      upstream: { url: emulator.url, apiKey: emulator.apiKey },
      webhooks: { schedule: schedule ?? [0, 50, 100, 100, 100, 100, 100, 100], pollMs: 50 },
    });
    return { app, proxyUrl: await listen(app.proxy, 0, '127.0.0.1') };
  };
  const first = await open(options.schedule);
  const world: World = {
    ...first,
    emulator,
    dataDir,
    secret: String(endpoint.secret),
    workos,
    async registerWithWorkos() {
      const updated = await workos('PATCH', `/webhook_endpoints/${endpoint.id}`, {
        endpoint_url: `${world.proxyUrl}/webhooks/workos`,
      });
      expect(updated.endpoint_url).toBe(`${world.proxyUrl}/webhooks/workos`);
    },
    async restart(restartOptions = {}) {
      await world.app.close();
      const next = await open(restartOptions.schedule ?? options.schedule);
      world.app = next.app;
      world.proxyUrl = next.proxyUrl;
    },
    async close() {
      await world.app.close();
      await emulator.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Posts a body to Bollard's receiver, signed as WorkOS signs (the emulator's signer, not Bollard's). */
function postToBollard(world: World, body: string, header: string | null) {
  return fetch(`${world.proxyUrl}/webhooks/workos`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(header === null ? {} : { 'WorkOS-Signature': header }),
    },
    body,
  });
}

function workosEvent(id: string, event = 'user.created'): string {
  return JSON.stringify({
    id,
    event,
    data: { object: 'user', id: `user_${id}` },
    created_at: new Date().toISOString(),
  });
}

async function deliveriesOf(app: BollardApp, eventId: string): Promise<WebhookDeliveryRecord[]> {
  return app.store.webhooks.listDeliveries({ eventId });
}

describe('WorkOS-Signature', () => {
  const body = workosEvent('event_sig');
  const now = Date.now();
  const check = (header: string | undefined, payload = body, secret = 'whsec_a', at = now) =>
    verifySignature({ header, body: payload, secret, toleranceMs: 180_000, now: at });

  it('accepts the header WorkOS (the emulator) signs, with or without the space', () => {
    const header = emulatorSignature('whsec_a', body, now);
    expect(check(header)).toEqual({ ok: true, timestampMs: now });
    expect(check(header.replace(', ', ','))).toEqual({ ok: true, timestampMs: now });
  });

  it('refuses a tampered body, a wrong secret, a stale or far-future time, and junk', () => {
    const header = emulatorSignature('whsec_a', body, now);
    expect(check(header, body.replace('user.created', 'user.deleted'))).toEqual({
      ok: false,
      problem: 'mismatch',
    });
    expect(check(header, body, 'whsec_b')).toEqual({ ok: false, problem: 'mismatch' });
    expect(check(emulatorSignature('whsec_a', body, now - 180_001))).toEqual({ ok: false, problem: 'stale' });
    expect(check(emulatorSignature('whsec_a', body, now + 180_001))).toEqual({ ok: false, problem: 'stale' });
    // A timestamp in seconds is 50 years stale.
    expect(check(emulatorSignature('whsec_a', body, Math.floor(now / 1000)))).toEqual({
      ok: false,
      problem: 'stale',
    });
    expect(check(undefined)).toEqual({ ok: false, problem: 'missing' });
    expect(check(`t=${now}`)).toEqual({ ok: false, problem: 'malformed' });
    expect(check(`t=${now}, v1=zz`)).toEqual({ ok: false, problem: 'mismatch' });
  });

  it("signs so that the SDK's constructEvent verifies; during a rotation the new secret comes first", async () => {
    const header = signatureHeader(['whsec_new', 'whsec_old'], body);
    const event = await sdk.webhooks.constructEvent({
      payload: body,
      sigHeader: header,
      secret: 'whsec_new',
    });
    expect(event.id).toBe('event_sig');
    await expect(
      sdk.webhooks.constructEvent({ payload: body, sigHeader: header, secret: 'whsec_old' }),
    ).rejects.toThrow(/does not match/);
    // A verifier that checks every v1 (as Bollard's own does) still accepts the old secret.
    expect(check(header, body, 'whsec_old').ok).toBe(true);
  });
});

describe('webhooks relayed from WorkOS to agents', () => {
  let world: World;
  let provisioner: Receiver;
  let support: Receiver;

  beforeAll(async () => {
    world = await startWorld();
    await world.registerWithWorkos();
    provisioner = await startReceiver();
    support = await startReceiver();
  });
  afterAll(async () => {
    await world.close();
    await provisioner.close();
    await support.close();
  });

  it('refuses a subscription the agent cannot read, naming the permission', async () => {
    await world.app.agents.create(
      { name: 'provisioner', grants: ['directory_sync:read', 'users:read'] },
      actor,
    );
    await world.app.agents.create({ name: 'support', grants: ['users:read'] }, actor);
    const { service } = world.app.webhooks;
    await expect(
      service.subscribe({ agent: 'support', url: support.url, events: ['dsync.*'] }, actor),
    ).rejects.toMatchObject({
      code: 'permission_denied',
      fields: { required_permission: 'directory_sync:read' },
    });
    await expect(
      service.subscribe({ agent: 'support', url: support.url, events: ['*'] }, actor),
    ).rejects.toMatchObject({
      code: 'permission_denied',
    });
    await expect(
      service.subscribe({ agent: 'support', url: support.url, events: ['nope.*'] }, actor),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    provisioner.secret = (
      await service.subscribe(
        { agent: 'provisioner', url: provisioner.url, events: ['dsync.*', 'user.created'] },
        actor,
      )
    ).secret;
    support.secret = (
      await service.subscribe({ agent: 'support', url: support.url, events: ['user.*'] }, actor)
    ).secret;
    expect(provisioner.secret).toMatch(/^whsec_/);
    expect(provisioner.secret).not.toBe(support.secret);
    const listed = JSON.stringify(await service.list());
    expect(listed).not.toContain(provisioner.secret);
    expect(listed).not.toContain(support.secret);
  });

  it("delivers WorkOS's events to each agent that may read them, verified by constructEvent with its own secret", async () => {
    const user = await world.workos('POST', '/user_management/users', { email: 'new@acme.test' });
    const directories = (await world.workos('GET', '/directories')).data as Array<{ id: string }>;
    const directoryId = directories[0]?.id;
    const added = await fetch(`${world.emulator.url}/_emulator/directories/${directoryId}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'scim@acme.test', first_name: 'Sam' }),
    });
    expect(added.status).toBeLessThan(300);

    await eventually(() => {
      expect(provisioner.received.map((e) => e.event).sort()).toEqual(['dsync.user.created', 'user.created']);
      expect(support.received.map((e) => e.event)).toEqual(['user.created']);
    });
    expect(provisioner.rejected + support.rejected).toBe(0);
    const created = provisioner.received.find((e) => e.event === 'user.created');
    const stored = await world.app.store.webhooks.getEvent(String(created?.id));
    expect(JSON.parse(String(stored?.body)).data.id).toBe(user.id);
  });

  it('an agent whose grant is taken away does not get the next event', async () => {
    await world.app.agents.update('provisioner', { grants: ['users:read'] }, actor);
    const directories = (await world.workos('GET', '/directories')).data as Array<{ id: string }>;
    const response = await fetch(`${world.emulator.url}/_emulator/directories/${directories[0]?.id}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'late@acme.test' }),
    });
    expect(response.status).toBeLessThan(300);
    const events = (await world.workos('GET', '/events?events=dsync.user.created&order=desc&limit=1'))
      .data as Array<{
      id: string;
    }>;
    const eventId = String(events[0]?.id);
    const [denied] = await eventually(async () => {
      const found = await deliveriesOf(world.app, eventId);
      expect(found.map((d) => d.status)).toEqual(['denied']);
      return found;
    });
    expect(denied?.lastError).toBe('missing_permission');
    expect(provisioner.received.filter((e) => e.event === 'dsync.user.created')).toHaveLength(1);
    // The delivery is marked denied first, then its record is appended: wait for the record too.
    await eventually(async () => {
      await world.app.audit.flush();
      const audit = await world.app.store.queryAudit({ kind: 'webhook', requestId: String(denied?.id) });
      expect(audit[0]).toMatchObject({
        decision: 'deny',
        reason: 'missing_permission',
        permission: 'directory_sync:read',
      });
    });
  });

  it('records every inbound event and delivery attempt in the audit log, without a secret', async () => {
    await world.app.audit.flush();
    const records = await world.app.store.queryAudit({ kind: 'webhook', limit: 1000 });
    const reasons = new Set(records.map((record) => record.reason));
    for (const reason of ['received', 'delivered', 'missing_permission', 'subscription.created']) {
      expect(reasons).toContain(reason);
    }
    const text = JSON.stringify(records);
    for (const secret of [world.secret, provisioner.secret, support.secret])
      expect(text).not.toContain(secret);
  });
});

describe('inbound verification', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world.close());

  it('refuses tampered, wrongly signed and stale requests with 401 and stores nothing', async () => {
    const body = workosEvent('event_refused');
    const now = Date.now();
    const cases = [
      { body: body.replace('user_', 'usr_'), header: emulatorSignature(world.secret, body, now) },
      { body, header: emulatorSignature('whsec_someone_else', body, now) },
      { body, header: emulatorSignature(world.secret, body, now - 4 * 60_000) },
      { body, header: null },
    ];
    for (const attempt of cases) {
      const response = await postToBollard(world, attempt.body, attempt.header);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'invalid_signature' });
    }
    expect(await world.app.store.webhooks.getEvent('event_refused')).toBeNull();
    await world.app.anonymous.flush(); // repeats of one kind from one address are aggregated
    await world.app.audit.flush();
    const refused = await world.app.store.queryAudit({ kind: 'webhook', decision: 'deny' });
    expect(refused.map((r) => r.rule).sort()).toEqual(
      ['signature:mismatch', 'signature:mismatch', 'signature:missing', 'signature:stale'].sort(),
    );
  });

  it('stores a good event before answering 200, and a replayed duplicate stores nothing new', async () => {
    await world.app.agents.create({ name: 'listener', grants: ['users:read'] }, actor);
    const receiver = await startReceiver();
    try {
      receiver.secret = (
        await world.app.webhooks.service.subscribe(
          { agent: 'listener', url: receiver.url, events: ['user.created'] },
          actor,
        )
      ).secret;
      const body = workosEvent('event_once');
      const first = await postToBollard(world, body, emulatorSignature(world.secret, body));
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ received: true, duplicate: false });
      expect((await world.app.store.webhooks.getEvent('event_once'))?.body).toBe(body);
      // WorkOS retries with a fresh signature; a captured request replayed as is is the same bytes.
      for (const header of [emulatorSignature(world.secret, body), emulatorSignature(world.secret, body)]) {
        const again = await postToBollard(world, body, header);
        expect(await again.json()).toEqual({ received: true, duplicate: true });
      }
      await eventually(() => expect(receiver.received.map((e) => e.id)).toEqual(['event_once']));
      expect(await deliveriesOf(world.app, 'event_once')).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('without a configured secret answers 503 and accepts nothing', async () => {
    const bare = await startWorld({ secret: 'none' });
    try {
      const body = workosEvent('event_unsigned');
      const response = await postToBollard(bare, body, emulatorSignature('anything', body));
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'webhooks_not_configured' });
      expect(await bare.app.store.webhooks.getEvent('event_unsigned')).toBeNull();
    } finally {
      await bare.close();
    }
  });
});

describe('the durable outbox', () => {
  const worlds: World[] = [];
  const receivers: Receiver[] = [];
  afterEach(async () => {
    for (const world of worlds.splice(0)) await world.close();
    for (const receiver of receivers.splice(0)) await receiver.close();
  });

  async function subscribed(world: World, name: string) {
    const receiver = await startReceiver();
    receivers.push(receiver);
    await world.app.agents.create({ name, grants: ['users:read'] }, actor);
    const result = await world.app.webhooks.service.subscribe(
      { agent: name, url: receiver.url, events: ['user.*'] },
      actor,
    );
    receiver.secret = result.secret;
    return { receiver, subscriptionId: result.subscription.id };
  }

  async function sendEvents(world: World, ids: string[]) {
    for (const id of ids) {
      const body = workosEvent(id);
      expect((await postToBollard(world, body, emulatorSignature(world.secret, body))).status).toBe(200);
    }
  }

  it('a receiver that is down gets every event, once, when it is back — across a restart of Bollard', async () => {
    // Many short retries: the outage ends long before the last one.
    const schedule = [0, ...Array.from({ length: 400 }, () => 50)];
    const world = await startWorld({ schedule });
    worlds.push(world);
    const { receiver } = await subscribed(world, 'steady');
    receiver.up = false;
    const ids = ['event_down_1', 'event_down_2', 'event_down_3'];
    await sendEvents(world, ids);
    await eventually(async () => {
      for (const id of ids)
        expect((await deliveriesOf(world.app, id))[0]?.attempts).toBeGreaterThanOrEqual(1);
    });
    await world.restart();
    receiver.up = true;
    await eventually(async () => {
      for (const id of ids) expect((await deliveriesOf(world.app, id))[0]?.status).toBe('delivered');
    });
    expect(receiver.received.map((e) => e.id).sort()).toEqual(ids);
  });

  it('a receiver that never comes back ends in dead letters; replay delivers them', async () => {
    const world = await startWorld({ schedule: [0, 10, 10] });
    worlds.push(world);
    const { receiver, subscriptionId } = await subscribed(world, 'flaky');
    receiver.up = false;
    await sendEvents(world, ['event_dead_1', 'event_dead_2']);
    const dead = await eventually(async () => {
      const found = await world.app.webhooks.service.deliveries({ status: 'dead' });
      expect(found.map((d) => [d.eventId, d.attempts]).sort()).toEqual([
        ['event_dead_1', 3],
        ['event_dead_2', 3],
      ]);
      return found;
    });
    expect(dead.every((d) => d.subscriptionId === subscriptionId && d.lastStatus === 503)).toBe(true);
    receiver.up = true;
    await world.app.webhooks.service.replay('event_dead_1', { agent: 'flaky' }, actor);
    await world.app.webhooks.service.replay('event_dead_2', { subscriptionId }, actor);
    await eventually(() =>
      expect(receiver.received.map((e) => e.id).sort()).toEqual(['event_dead_1', 'event_dead_2']),
    );
    expect(await world.app.webhooks.service.deliveries({ status: 'dead' })).toEqual([]);
  });

  it('a rotated secret signs at once; the admin API and its errors work over HTTP', async () => {
    const world = await startWorld();
    worlds.push(world);
    const { receiver, subscriptionId } = await subscribed(world, 'rotator');
    const admin = await buildAdminServer({
      store: world.app.store,
      agents: world.app.agents,
      webhooks: world.app.webhooks.service,
      adminTokenHash: hashAdminToken('admin-token-for-webhook-tests'),
    });
    try {
      const base = await admin.listen({ port: 0, host: '127.0.0.1' });
      const call = async (method: string, url: string, body?: unknown) => {
        const response = await fetch(`${base}/api/v1${url}`, {
          method,
          headers: {
            authorization: 'Bearer admin-token-for-webhook-tests',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return {
          status: response.status,
          body: (await response.json().catch(() => null)) as Record<string, unknown>,
        };
      };
      const refused = await call('POST', '/webhooks/subscriptions', {
        agent: 'rotator',
        url: receiver.url,
        events: ['dsync.*'],
      });
      expect(refused).toMatchObject({
        status: 403,
        body: { code: 'permission_denied', required_permission: 'directory_sync:read' },
      });
      const rotated = await call('POST', `/webhooks/subscriptions/${subscriptionId}/rotate-secret`, {
        grace: '24h',
      });
      expect(rotated.status).toBe(200);
      receiver.secret = String(rotated.body.secret);
      await sendEvents(world, ['event_rotated']);
      await eventually(() => expect(receiver.received.map((e) => e.id)).toEqual(['event_rotated']));
      const listed = await call('GET', '/webhooks/deliveries?status=delivered');
      expect((listed.body.data as Array<{ eventId: string }>).map((d) => d.eventId)).toEqual([
        'event_rotated',
      ]);
      expect((await call('DELETE', `/webhooks/subscriptions/${subscriptionId}`)).status).toBe(204);
      expect((await call('GET', '/webhooks/subscriptions')).body.data).toEqual([]);
    } finally {
      await admin.close();
    }
  });
});

describe('backfill from the Events API', () => {
  it('fills the gap of webhooks WorkOS never delivered, without duplicates', async () => {
    const world = await startWorld();
    const receiver = await startReceiver();
    try {
      await world.app.agents.create({ name: 'org-watcher', grants: ['organizations:read'] }, actor);
      receiver.secret = (
        await world.app.webhooks.service.subscribe(
          { agent: 'org-watcher', url: receiver.url, events: ['organization.*'] },
          actor,
        )
      ).secret;
      // The emulator starts with no endpoint registered: these two webhooks go nowhere.
      await world.workos('POST', '/organizations', { name: 'Missed One' });
      await world.workos('POST', '/organizations', { name: 'Missed Two' });
      await world.registerWithWorkos();
      await world.workos('POST', '/organizations', { name: 'Delivered' });
      await eventually(() => expect(receiver.received).toHaveLength(1));

      const result = await world.app.webhooks.service.backfill();
      const all = (await world.workos('GET', '/events?events=organization.created&limit=100'))
        .data as unknown[];
      expect(result).toMatchObject({ fetched: all.length, stored: 2, duplicates: all.length - 2 });
      await eventually(() => expect(receiver.received).toHaveLength(3));
      const again = await world.app.webhooks.service.backfill();
      expect(again).toMatchObject({ stored: 0, duplicates: all.length });
      expect(new Set(receiver.received.map((e) => e.id)).size).toBe(3);
      expect(receiver.rejected).toBe(0);
    } finally {
      await world.close();
      await receiver.close();
    }
  });
});
