import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RateLimitExceededException, UnprocessableEntityException, WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';

interface Delivery {
  body: string;
  signature: string;
}

let emu: RunningEmulator;
let workos: WorkOS;
let receiver: Server;
const deliveries: Delivery[] = [];
const waiters: (() => void)[] = [];
const SECRET = 'whsec_test_receiver';

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
  });
}

/** Resolves once a delivery whose event is `name` has arrived. */
async function delivered(name: string): Promise<Delivery> {
  for (;;) {
    const found = deliveries.find((d) => JSON.parse(d.body).event === name);
    if (found) return found;
    await new Promise<void>((resolve) => waiters.push(resolve));
  }
}

function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emu.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${emu.apiKey}`, 'Content-Type': 'application/json', ...init.headers },
  });
}

beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    deliveries.push({ body: await readAll(req), signature: String(req.headers['workos-signature']) });
    res.end('ok');
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  emu = await startEmulator({ port: 0, seed: 'demo', webhookUrl: receiverUrl, webhookSecret: SECRET });
  const port = Number(new URL(emu.url).port);
  workos = new WorkOS(emu.apiKey, {
    apiHostname: '127.0.0.1',
    port,
    https: false,
    clientId: emu.clientId,
    maxRetries: 0,
  });
});
afterAll(async () => {
  await emu.close();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('directory sync through the SDK', () => {
  it('lists and reads directories, users with groups and raw attributes, and groups', async () => {
    const directory = (await workos.directorySync.listDirectories()).data[0];
    expect((await workos.directorySync.getDirectory(directory.id)).state).toBe('active'); // the SDK maps wire "linked"
    const users = await workos.directorySync.listUsers({ directory: directory.id });
    expect(users.data).toHaveLength(4);
    const ada = users.data.find((u) => u.email === 'ada@acme.test');
    expect(ada?.groups.map((g) => g.name).sort()).toEqual(['Admins', 'Engineering']);
    expect(ada?.rawAttributes).toMatchObject({ userName: 'ada@acme.test' });
    expect((await workos.directorySync.getUser(ada?.id ?? '')).id).toBe(ada?.id);
    const groups = await workos.directorySync.listGroups({ user: ada?.id ?? '' });
    expect(groups.data.map((g) => g.name).sort()).toEqual(['Admins', 'Engineering']);
    const engineering = groups.data.find((g) => g.name === 'Engineering');
    expect((await workos.directorySync.getGroup(engineering?.id ?? '')).name).toBe('Engineering');
    const inGroup = await workos.directorySync.listUsers({ group: engineering?.id ?? '' });
    expect(inGroup.data).toHaveLength(3);
    await expect(workos.directorySync.listGroups({})).rejects.toBeInstanceOf(UnprocessableEntityException);
  });

  it('enforces 4 requests per second per directory on directory users', async () => {
    const directory = (await workos.directorySync.listDirectories()).data[0];
    const error = await (async () => {
      for (let i = 0; i < 10; i++) await workos.directorySync.listUsers({ directory: directory.id });
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExceededException);
    expect((error as RateLimitExceededException).retryAfter).toBe(1);
  });

  it('delivers dsync webhooks for directory changes made through control endpoints', async () => {
    const directory = (await workos.directorySync.listDirectories()).data[0];
    const created = await fetch(`${emu.url}/_emulator/directories/${directory.id}/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'new.hire@acme.test', first_name: 'New' }),
    });
    expect(created.status).toBe(201);
    const delivery = await delivered('dsync.user.created');
    const event = await workos.webhooks.constructEvent({
      payload: delivery.body,
      sigHeader: delivery.signature,
      secret: SECRET,
    });
    expect(event.event).toBe('dsync.user.created');
    expect((event.data as { email: string }).email).toBe('new.hire@acme.test');
    expect(delivery.signature).toMatch(/^t=\d{13}, v1=[0-9a-f]{64}$/);
  });
});

describe('directory deletion', () => {
  it('answers 202 and delivers dsync.deleted', async () => {
    const directory = (await workos.directorySync.listDirectories()).data[0];
    await workos.directorySync.deleteDirectory(directory.id);
    const event = JSON.parse((await delivered('dsync.deleted')).body);
    expect(event.data.id).toBe(directory.id);
    expect((await workos.directorySync.listDirectories()).data).toHaveLength(0);
  });
});

describe('webhooks and events for API calls', () => {
  it('signs organization.created, lists it through GET /events, and manages endpoints', async () => {
    const org = await workos.organizations.createOrganization({ name: 'Hooked' });
    const delivery = await delivered('organization.created');
    const event = await workos.webhooks.constructEvent({
      payload: delivery.body,
      sigHeader: delivery.signature,
      secret: SECRET,
    });
    expect(event.id).toMatch(/^event_/);
    expect(Object.keys(JSON.parse(delivery.body)).sort()).toEqual(['created_at', 'data', 'event', 'id']);
    const listed = await workos.events.listEvents({
      events: ['organization.created'],
      organizationId: org.id,
    });
    expect(listed.data.map((e) => e.id)).toEqual([event.id]);
    const missing = await api('/events');
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([
      400,
      'invalid_events_request',
    ]);
    const endpoint = await workos.webhooks.createWebhookEndpoint({
      endpointUrl: 'https://example.test/hook',
      events: ['user.created'],
    });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect((await workos.webhooks.listWebhookEndpoints()).data.map((e) => e.id)).toContain(endpoint.id);
    const patched = await workos.webhooks.updateWebhookEndpoint({ id: endpoint.id, status: 'disabled' });
    expect(patched.status).toBe('disabled');
    await workos.webhooks.deleteWebhookEndpoint({ id: endpoint.id });
    expect((await workos.webhooks.listWebhookEndpoints()).data.map((e) => e.id)).not.toContain(endpoint.id);
  });
});

describe('audit logs through the SDK', () => {
  it('validates events, and exports go pending → ready with a CSV the emulator serves', async () => {
    const acme = (await workos.organizations.listOrganizations({ domains: ['acme.test'] })).data[0];
    await workos.auditLogs.createEvent(acme.id, {
      action: 'document.shared',
      occurredAt: new Date(),
      actor: { id: 'user_1', type: 'user', name: 'Ada' },
      targets: [{ id: 'doc_1', type: 'document' }],
      context: { location: '198.51.100.4', userAgent: 'test' },
    });
    const invalid = await api('/audit_logs/events', {
      method: 'POST',
      body: JSON.stringify({ organization_id: acme.id, event: { action: 'x' } }),
    });
    expect(invalid.status).toBe(422);
    const exported = await workos.auditLogs.createExport({
      organizationId: acme.id,
      rangeStart: new Date(Date.now() - 3_600_000),
      rangeEnd: new Date(Date.now() + 1000),
      actions: ['document.shared'],
    });
    expect(exported.state).toBe('pending');
    const ready = await workos.auditLogs.getExport(exported.id);
    expect(ready.state).toBe('ready');
    const csv = await (await fetch(ready.url ?? '')).text();
    expect(csv.split('\n')[1]).toContain('document.shared');
    expect(csv).not.toContain('user.signed_in');
  });
});

describe('request log and fault injection', () => {
  it('logs what reached the emulator with secrets masked', async () => {
    await fetch(`${emu.url}/_emulator/requests`, { method: 'DELETE' });
    await workos.userManagement.createUser({ email: 'logged@acme.test', password: 'very-secret-pw' });
    const log = (await (await fetch(`${emu.url}/_emulator/requests`)).json()) as {
      method: string;
      path: string;
      status: number;
      headers: Record<string, string>;
      body: Record<string, string>;
    }[];
    expect(log).toHaveLength(1);
    expect([log[0].method, log[0].path, log[0].status]).toEqual(['POST', '/user_management/users', 201]);
    expect(log[0].headers.authorization).toBe('Bearer sk_test_***');
    expect(log[0].body).toEqual({ email: 'logged@acme.test', password: '***' });
    expect(JSON.stringify(log)).not.toContain(emu.apiKey);
  });

  it('answers a scripted status, then drops a connection, then recovers', async () => {
    const fault = (body: object) =>
      fetch(`${emu.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (
        await fault({
          path: '/organizations',
          method: 'GET',
          count: 1,
          status: 503,
          body: { message: 'down' },
        })
      ).status,
    ).toBe(201);
    const failed = await api('/organizations');
    expect([failed.status, await failed.json()]).toEqual([503, { message: 'down' }]);
    await fault({ path: '/organizations', count: 1, drop: true });
    await expect(api('/organizations')).rejects.toThrow();
    expect((await api('/organizations')).status).toBe(200);
  });
});
