import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { events as catalogEvents } from '../src/catalog/index.js';
import type { EmulatorSeed } from '../src/emulator/options.js';
import { auditRecords, type Harness, startHarness } from './support/harness.js';
import { connectMcp, structured } from './support/mcp-client.js';
import { parseScrape } from './support/metrics.js';
import { findResources, ORG_A, ORG_B, PIN_SEED, type Resources } from './support/pin-fixtures.js';

const actor = { kind: 'admin' as const, name: 'test' };
const WEBHOOK_SECRET = 'whsec_pinning_flows';
const BULK = 105;
const SEED: EmulatorSeed = {
  ...PIN_SEED,
  webhook_endpoints: [
    {
      endpoint_url: 'http://127.0.0.1:9/not-yet',
      events: catalogEvents.map((event) => event.name),
      secret: WEBHOOK_SECRET,
    },
  ],
};

/** An agent's webhook receiver: keeps each delivery's body and headers. */
async function receiver(): Promise<{
  url: string;
  got: { body: unknown; headers: IncomingMessage['headers'] }[];
  server: Server;
}> {
  const got: { body: unknown; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      got.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')), headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

describe('organization pins, constraints and redaction, end to end', () => {
  let h: Harness;
  let r: Resources;
  const tokens: Record<string, string> = {};
  let sdk: (name: string) => WorkOS;

  async function emulator(method: string, path: string, body?: unknown) {
    const response = await fetch(`${h.emulator.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${h.emulator.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as Record<string, unknown>;
  }

  async function proxy(name: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${h.proxyUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[name]}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      headers: response.headers,
      json: (await response.json()) as Record<string, unknown>,
    };
  }

  beforeAll(async () => {
    h = await startHarness({
      config: { rateLimits: 'off', workosWebhookSecret: WEBHOOK_SECRET, webhookAllowPrivate: '1' },
      emulator: { seed: SEED },
      app: { webhooks: { schedule: [0, 50, 100], pollMs: 50 } },
    });
    r = await findResources(h);
    // Enough to page: BULK more users in Alpha, BULK more organizations nobody is pinned to.
    for (let i = 0; i < BULK; i++) {
      const user = await emulator('POST', '/user_management/users', { email: `bulk-${i}@alpha.test` });
      await emulator('POST', '/user_management/organization_memberships', {
        user_id: user.id,
        organization_id: ORG_A,
      });
      await emulator('POST', '/organizations', { name: `Bulk ${i}` });
    }
    const endpoint = ((await emulator('GET', '/webhook_endpoints')).data as { id: string }[])[0]!;
    await emulator('PATCH', `/webhook_endpoints/${endpoint.id}`, {
      endpoint_url: `${h.proxyUrl}/webhooks/workos`,
    });
    const make = async (name: string, grants: unknown[], organizations?: string[]) => {
      tokens[name] = (
        await h.app.agents.create({ name, grants: grants as string[], organizations }, actor)
      ).token;
    };
    await make(
      'alpha-reader',
      ['users:read', 'organizations:read', 'organization_memberships:read', 'sso:read'],
      [ORG_A],
    );
    await make('two-orgs', ['users:read@org_01ALPHA', 'users:read@org_01BETA']);
    await make('provisioner', [
      {
        permission: 'organization_memberships:write',
        organizations: [ORG_A],
        constraints: { 'organization_memberships.create': { role_slug: { allow: ['member'] } } },
      },
      {
        permission: 'users:write',
        constraints: {
          'users.create': { email: { match: ['*@alpha.test'] }, password: { absent: true } },
        },
        redact: ['email'],
      },
      { permission: 'magic_auth:write' },
      { permission: 'directory_sync:read', redact: ['raw_attributes', 'custom_attributes'] },
    ]);
    await make('revealer', [{ permission: 'magic_auth:write', revealSecrets: true }]);
    sdk = (name) => h.sdk(tokens[name]!);
  }, 60_000);
  afterAll(() => h?.close());

  describe('lists', () => {
    it('an agent pinned to one organization gets the filter injected; autoPagination walks only its users', async () => {
      await h.clearEmulatorRequests();
      const users = await (await sdk('alpha-reader').userManagement.listUsers()).autoPagination();
      const emails = users.map((user) => user.email);
      console.log(`injected list: ${users.length} users of ${ORG_A} seen through autoPagination`);
      expect(emails).toEqual(expect.arrayContaining(['a@alpha.test', 'ab@both.test', 'ext@alpha.test']));
      expect(emails.filter((email) => email.startsWith('bulk-'))).toHaveLength(BULK);
      expect(emails).not.toContain('b@beta.test');
      expect(users).toHaveLength(BULK + 3);
      const calls = (await h.emulatorRequests()).filter((entry) => entry.path === '/user_management/users');
      expect(calls.length).toBeGreaterThanOrEqual(2); // pages of 100
      for (const call of calls) expect(call.rawQuery).toContain(`organization_id=${ORG_A}`);
      const record = (await auditRecords(h.app)).findLast(
        (rec) => rec.kind === 'call' && rec.endpointId === 'users.list',
      );
      expect(record?.organizationId).toBe(ORG_A);
      expect(record?.details.injected).toEqual({ organization_id: ORG_A });
    });

    it('an agent pinned to several organizations must name one; naming another is refused', async () => {
      const workos = sdk('two-orgs');
      await expect(workos.userManagement.listUsers()).rejects.toMatchObject({ status: 403 });
      const refusal = await proxy('two-orgs', 'GET', '/user_management/users');
      expect(refusal.json).toMatchObject({
        code: 'organization_not_allowed',
        pinned_organizations: [ORG_A, ORG_B],
        pin: 'pin:grant:users',
      });
      expect(String(refusal.json.message)).toContain('add organization_id');
      const beta = await (await workos.userManagement.listUsers({ organizationId: ORG_B })).autoPagination();
      expect(beta.map((user) => user.email).sort()).toEqual(['ab@both.test', 'b@beta.test', 'ext@beta.test']);
      const other = await proxy('two-orgs', 'GET', '/user_management/users?organization_id=org_01GAMMA');
      expect(other.json).toMatchObject({ code: 'organization_not_allowed', organization_id: 'org_01GAMMA' });
    });

    it('a list WorkOS cannot filter (organizations) is filtered item by item, page by page, and says so', async () => {
      await h.clearEmulatorRequests();
      const all = await (await sdk('alpha-reader').organizations.listOrganizations()).autoPagination();
      expect(all.map((org) => org.id)).toEqual([ORG_A]);
      // Every page was asked for and filtered: BULK + 2 organizations are two pages of 100.
      expect(
        (await h.emulatorRequests()).filter((entry) => entry.path === '/organizations').length,
      ).toBeGreaterThanOrEqual(2);
      const page = await proxy('alpha-reader', 'GET', '/organizations?limit=100&order=asc');
      expect(page.headers.get('x-bollard-items-filtered')).toBe('99');
      expect((page.json.data as { id: string }[]).map((org) => org.id)).toEqual([ORG_A]);
      await vi.waitFor(async () => {
        const outcome = (await auditRecords(h.app)).findLast(
          (rec) => rec.kind === 'outcome' && rec.endpointId === 'organizations.list',
        );
        expect(outcome?.details.filtered).toBe(99);
      });
    });
  });

  describe('owner lookups', () => {
    it('a lookup WorkOS fails (fault injection) denies the call; nothing is forwarded; the next one resolves', async () => {
      for (const fault of [{ status: 500 }, { drop: true }]) {
        const connection = fault.drop ? r.A.directory! : r.A.connection!;
        const path = fault.drop ? `/directories/${connection}` : `/connections/${connection}`;
        await fetch(`${h.emulator.url}/_emulator/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ path, method: 'GET', count: 1, ...fault }),
        });
        await h.clearEmulatorRequests();
        const grant = fault.drop ? 'directory-reader' : 'alpha-reader';
        if (!tokens[grant]) {
          tokens[grant] = (
            await h.app.agents.create(
              { name: grant, grants: ['directory_sync:read'], organizations: [ORG_A] },
              actor,
            )
          ).token;
        }
        const denied = await proxy(grant, 'GET', path);
        expect(denied.status).toBe(403);
        expect(denied.json).toMatchObject({ code: 'organization_not_allowed', organization_id: null });
        expect(String(denied.json.message)).toContain('could not be looked up');
        // The emulator saw the lookup it failed, and nothing else.
        expect((await h.emulatorRequests()).filter((entry) => entry.status !== 500 && !fault.drop)).toEqual(
          [],
        );
        // A denial's record is written after the answer (lazily): wait for it.
        await vi.waitFor(async () => {
          const record = (await auditRecords(h.app)).findLast(
            (rec) => rec.kind === 'call' && rec.path === path,
          );
          expect(record).toMatchObject({ decision: 'deny', reason: 'owner_unresolved', rule: 'pin:agent' });
        });
        const allowed = await proxy(grant, 'GET', path);
        expect(allowed.status).toBe(200);
      }
    });

    it('a webhook event forgets a cached owner: a user who joins the pinned organization becomes readable at once', async () => {
      const workos = sdk('alpha-reader');
      await expect(workos.userManagement.getUser(r.B.user!)).rejects.toMatchObject({ status: 403 });
      await expect(workos.userManagement.getUser(r.B.user!)).rejects.toMatchObject({ status: 403 }); // cached now
      const before = h.app.metrics ? parseScrape(await h.app.metrics.registry.metrics()) : null;
      expect(before?.value('bollard_owner_cache_lookups_total', { result: 'hit' })).toBeGreaterThan(0);
      await emulator('POST', '/user_management/organization_memberships', {
        user_id: r.B.user,
        organization_id: ORG_A,
      });
      // The event reaches Bollard's receiver; until then the cached owner (Beta only) still denies.
      await vi.waitFor(
        async () => {
          const user = await workos.userManagement.getUser(r.B.user!);
          expect(user.email).toBe('b@beta.test');
        },
        { timeout: 15_000, interval: 50 },
      );
      const received = (await auditRecords(h.app)).filter(
        (rec) =>
          rec.kind === 'webhook' &&
          (rec.details as { event?: string }).event === 'organization_membership.created',
      );
      expect(received.length).toBeGreaterThan(0);
    });
  });

  describe('constraints', () => {
    it('allowed values, patterns and absent fields are enforced through the SDK, naming the field', async () => {
      const workos = sdk('provisioner');
      const user = await emulator('POST', '/user_management/users', { email: 'new@alpha.test' });
      await h.clearEmulatorRequests();
      await expect(
        workos.userManagement.createOrganizationMembership({
          organizationId: ORG_A,
          userId: String(user.id),
          roleSlug: 'admin',
        }),
      ).rejects.toMatchObject({ status: 403 });
      const refusal = await proxy('provisioner', 'POST', '/user_management/organization_memberships', {
        organization_id: ORG_A,
        user_id: user.id,
        role_slug: 'admin',
      });
      expect(refusal.json).toMatchObject({
        code: 'constraint_violated',
        field: 'role_slug',
        constraint: 'allow',
      });
      expect(await h.emulatorRequests()).toEqual([]);
      const made = await workos.userManagement.createOrganizationMembership({
        organizationId: ORG_A,
        userId: String(user.id),
        roleSlug: 'member',
      });
      expect(made.organizationId).toBe(ORG_A);

      await expect(workos.userManagement.createUser({ email: 'x@evil.test' })).rejects.toMatchObject({
        status: 403,
      });
      const pattern = await proxy('provisioner', 'POST', '/user_management/users', { email: 'x@evil.test' });
      expect(pattern.json).toMatchObject({
        code: 'constraint_violated',
        field: 'email',
        constraint: 'match',
      });
      const absent = await proxy('provisioner', 'POST', '/user_management/users', {
        email: 'y@alpha.test',
        password: 'correct horse battery staple 9',
      });
      expect(absent.json).toMatchObject({
        code: 'constraint_violated',
        field: 'password',
        constraint: 'absent',
      });
      const created = await workos.userManagement.createUser({ email: 'z@alpha.test' });
      expect(created.id).toMatch(/^user_/);
      const record = (await auditRecords(h.app)).findLast((rec) => rec.reason === 'constraint_violated');
      expect(record?.rule).toBe('constraint:users:users.create:password');
    });
  });

  describe('redaction', () => {
    it('redacted paths and catalog secrets are withheld from single objects and list items, said in a header and the audit', async () => {
      const workos = sdk('provisioner');
      // users:write redacts email: the created user comes back without it.
      const created = await proxy('provisioner', 'POST', '/user_management/users', { email: 'q@alpha.test' });
      expect(created.json.id).toMatch(/^user_/);
      expect(created.json).not.toHaveProperty('email');
      expect(created.headers.get('x-bollard-withheld')).toBe('email');

      const directoryUser = await workos.directorySync.getUser(r.A.directory_user!);
      expect(directoryUser.rawAttributes).toBeUndefined();
      expect(directoryUser.email).toBe('d@alpha.test');
      const listed = await proxy('provisioner', 'GET', `/directory_users?directory=${r.A.directory}`);
      expect(listed.headers.get('x-bollard-withheld')).toContain('raw_attributes');
      for (const item of listed.json.data as Record<string, unknown>[])
        expect(item).not.toHaveProperty('raw_attributes');

      // A magic-auth code is a catalog response secret: withheld unless the grant reveals it.
      const hidden = await workos.userManagement.createMagicAuth({ email: 'a@alpha.test' });
      expect(hidden.id).toMatch(/^magic_auth_/);
      expect(hidden.code).toBeUndefined();
      const shown = await sdk('revealer').userManagement.createMagicAuth({ email: 'a@alpha.test' });
      expect(shown.code).toMatch(/^\d{6}$/);
      const outcome = (await auditRecords(h.app)).findLast(
        (rec) =>
          rec.kind === 'outcome' &&
          rec.endpointId === 'magic_auth.create' &&
          rec.agentName === null &&
          rec.details.withheld,
      );
      expect(outcome?.details.withheld).toEqual(['code']);
    });

    it('webhook deliveries follow the pin and the redaction of the agent that receives them', async () => {
      const hook = await receiver();
      try {
        const name = 'dsync-watcher';
        await h.app.agents.create(
          {
            name,
            grants: [
              {
                permission: 'directory_sync:read',
                organizations: [ORG_A],
                redact: ['raw_attributes', 'email'],
              },
            ],
          },
          actor,
        );
        await h.app.webhooks.service.subscribe(
          { agent: name, url: hook.url, events: ['dsync.user.*'] },
          actor,
        );
        for (const directory of [r.B.directory!, r.A.directory!]) {
          await fetch(`${h.emulator.url}/_emulator/directories/${directory}/users`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: `hooked@${directory}.test`, raw_attributes: { x: 1 } }),
          });
        }
        await vi.waitFor(() => expect(hook.got.length).toBeGreaterThan(0), { timeout: 15_000, interval: 50 });
        await vi.waitFor(
          async () => {
            const denied = (await auditRecords(h.app)).filter(
              (rec) =>
                rec.kind === 'webhook' && rec.agentName === name && rec.reason === 'organization_not_allowed',
            );
            expect(denied.length).toBe(1);
          },
          { timeout: 15_000, interval: 50 },
        );
        expect(hook.got).toHaveLength(1);
        const delivered = hook.got[0]!;
        const data = (delivered.body as { data: Record<string, unknown> }).data;
        expect(data.organization_id).toBe(ORG_A);
        expect(data).not.toHaveProperty('raw_attributes');
        expect(data).not.toHaveProperty('email');
        expect(delivered.headers['x-bollard-withheld']).toBe('raw_attributes,email');
      } finally {
        hook.server.close();
      }
    });
  });

  it('MCP tools follow the same pins', async () => {
    const client = await connectMcp(h.proxyUrl, tokens['alpha-reader']!);
    try {
      const denied = await client.callTool({ name: 'sso_get_connection', arguments: { id: r.B.connection } });
      expect(denied.isError, JSON.stringify(denied).slice(0, 400)).toBe(true);
      expect(structured(denied)).toMatchObject({ status: 403, code: 'organization_not_allowed' });
      const allowed = await client.callTool({
        name: 'sso_get_connection',
        arguments: { id: r.A.connection },
      });
      expect(allowed.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});
