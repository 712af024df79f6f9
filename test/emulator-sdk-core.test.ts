import {
  GenericServerException,
  NotFoundException,
  UnauthorizedException,
  UnprocessableEntityException,
  WorkOS,
} from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';

let emu: RunningEmulator;
let workos: WorkOS;

function sdk(apiKey: string, maxRetries = 0): WorkOS {
  const port = Number(new URL(emu.url).port);
  return new WorkOS(apiKey, {
    apiHostname: '127.0.0.1',
    port,
    https: false,
    clientId: emu.clientId,
    maxRetries,
  });
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
  workos = sdk(emu.apiKey);
});
afterAll(() => emu.close());

describe('organizations and domains through the SDK', () => {
  it('creates, reads, lists, updates and deletes an organization', async () => {
    const created = await workos.organizations.createOrganization({
      name: 'Initech',
      domainData: [{ domain: 'initech.test', state: 'verified' as never }],
      externalId: 'initech',
      metadata: { tier: 'gold' },
    });
    expect(created.id).toMatch(/^org_[0-9A-Z]{26}$/);
    expect(created.domains.map((d) => d.domain)).toEqual(['initech.test']);
    expect((await workos.organizations.getOrganization(created.id)).name).toBe('Initech');
    expect((await workos.organizations.getOrganizationByExternalId('initech')).id).toBe(created.id);
    const listed = await workos.organizations.listOrganizations({ domains: ['initech.test'] });
    expect(listed.data.map((o) => o.id)).toEqual([created.id]);
    const updated = await workos.organizations.updateOrganization({
      organization: created.id,
      name: 'Initrode',
      stripeCustomerId: 'cus_1',
    });
    expect(updated.name).toBe('Initrode');
    expect(updated.stripeCustomerId).toBe('cus_1');
    await workos.organizations.deleteOrganization(created.id);
    await expect(workos.organizations.getOrganization(created.id)).rejects.toBeInstanceOf(NotFoundException);
  });

  it('refuses a domain another organization holds with 409', async () => {
    const response = await fetch(`${emu.url}/organizations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${emu.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Copycat', domain_data: [{ domain: 'acme.test', state: 'verified' }] }),
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      message: 'An Organization with the domain acme.test already exists.',
    });
  });

  it('moves a domain from pending to verified once the DNS record is declared', async () => {
    const org = await workos.organizations.createOrganization({ name: 'Domainers' });
    const domain = await workos.organizationDomains.createOrganizationDomain({
      domain: 'domainers.test',
      organizationId: org.id,
    });
    expect(domain.state).toBe('pending');
    expect(domain.verificationToken).toBeTruthy();
    expect((await workos.organizationDomains.verifyOrganizationDomain(domain.id)).state).toBe('pending');
    await fetch(`${emu.url}/_emulator/domains/${domain.id}/dns-record`, { method: 'POST' });
    expect((await workos.organizationDomains.verifyOrganizationDomain(domain.id)).state).toBe('verified');
    expect((await workos.organizationDomains.getOrganizationDomain(domain.id)).state).toBe('verified');
  });
});

describe('users and memberships through the SDK', () => {
  it('creates, reads, lists, updates and deletes a user', async () => {
    const user = await workos.userManagement.createUser({
      email: 'New.Person@example.test',
      password: 'pw-123456',
      firstName: 'New',
    });
    expect(user.email).toBe('new.person@example.test');
    expect((await workos.userManagement.getUser(user.id)).firstName).toBe('New');
    const byEmail = await workos.userManagement.listUsers({ email: 'new.person@example.test' });
    expect(byEmail.data.map((u) => u.id)).toEqual([user.id]);
    const updated = await workos.userManagement.updateUser({
      userId: user.id,
      lastName: 'Name',
      emailVerified: true,
    });
    expect([updated.lastName, updated.emailVerified]).toEqual(['Name', true]);
    const raw = await fetch(`${emu.url}/user_management/users/${user.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${emu.apiKey}` },
    });
    expect([raw.status, raw.headers.get('content-type'), await raw.text()]).toEqual([200, null, '']);
    await expect(workos.userManagement.getUser(user.id)).rejects.toBeInstanceOf(NotFoundException);
  });

  it('answers 404 entity_not_found with entity_id', async () => {
    const error = await workos.userManagement.getUser('user_missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as NotFoundException).code).toBe('entity_not_found');
    const raw = await fetch(`${emu.url}/user_management/users/user_missing`, {
      headers: { Authorization: `Bearer ${emu.apiKey}` },
    });
    expect(await raw.json()).toEqual({
      message: "User not found: 'user_missing'.",
      code: 'entity_not_found',
      entity_id: 'user_missing',
    });
  });

  it('answers 422 with errors[] on invalid input', async () => {
    const error = await workos.userManagement.createUser({ email: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnprocessableEntityException);
    expect((error as Error).message).toContain('email_string_required');
  });

  it('manages organization memberships', async () => {
    const org = await workos.organizations.createOrganization({ name: 'Members Inc' });
    const user = await workos.userManagement.createUser({ email: 'member@members.test' });
    const m = await workos.userManagement.createOrganizationMembership({
      organizationId: org.id,
      userId: user.id,
      roleSlug: 'admin',
    });
    expect(m.role.slug).toBe('admin');
    expect((await workos.userManagement.getOrganizationMembership(m.id)).userId).toBe(user.id);
    const list = await workos.userManagement.listOrganizationMemberships({ organizationId: org.id });
    expect(list.data.map((x) => x.id)).toEqual([m.id]);
    expect((await workos.userManagement.listUsers({ organizationId: org.id })).data.map((u) => u.id)).toEqual(
      [user.id],
    );
    expect(
      (await workos.userManagement.updateOrganizationMembership(m.id, { roleSlug: 'member' })).role.slug,
    ).toBe('member');
    await workos.userManagement.deleteOrganizationMembership(m.id);
    await expect(workos.userManagement.getOrganizationMembership(m.id)).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });
});

describe('connections and user deletion through the SDK', () => {
  it('reads and deletes a connection, and deletes a user', async () => {
    const connection = (await workos.sso.listConnections({ organizationId: undefined })).data.at(-1);
    if (!connection) throw new Error('demo seed has connections');
    expect((await workos.sso.getConnection(connection.id)).name).toBe(connection.name);
    await workos.sso.deleteConnection(connection.id);
    await expect(workos.sso.getConnection(connection.id)).rejects.toBeInstanceOf(NotFoundException);
    const user = await workos.userManagement.createUser({ email: 'gone@example.test' });
    await workos.userManagement.deleteUser(user.id);
    await expect(workos.userManagement.getUser(user.id)).rejects.toBeInstanceOf(NotFoundException);
  });
});

describe('roles at the v11 and the seed paths', () => {
  it('lists environment and organization roles', async () => {
    const env = await workos.authorization.listEnvironmentRoles();
    expect(env.data.map((r) => r.slug)).toEqual(['admin', 'member']);
    const acme = (await workos.organizations.listOrganizations({ domains: ['acme.test'] })).data[0];
    const org = await workos.authorization.listOrganizationRoles(acme.id);
    expect(org.data.map((r) => r.slug)).toEqual(['admin', 'member', 'billing-admin']);
    for (const path of ['/roles', `/organizations/${acme.id}/roles`]) {
      const raw = await fetch(`${emu.url}${path}`, { headers: { Authorization: `Bearer ${emu.apiKey}` } });
      const body = (await raw.json()) as { object: string; data: unknown[]; list_metadata?: unknown };
      expect([raw.status, body.object, body.list_metadata]).toEqual([200, 'list', undefined]);
    }
  });
});

describe('pagination as §3', () => {
  it('pages with cursors in both orders and autoPagination collects everything', async () => {
    const org = await workos.organizations.createOrganization({ name: 'Pager' });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const u = await workos.userManagement.createUser({ email: `page${i}@pager.test` });
      await workos.userManagement.createOrganizationMembership({ organizationId: org.id, userId: u.id });
      ids.push(u.id);
    }
    const first = await workos.userManagement.listUsers({ organizationId: org.id, limit: 5, order: 'asc' });
    expect(first.data.map((u) => u.id)).toEqual(ids.slice(0, 5));
    expect(first.listMetadata).toEqual({ before: null, after: ids[4] });
    const second = await workos.userManagement.listUsers({
      organizationId: org.id,
      limit: 5,
      order: 'asc',
      after: ids[4],
    });
    expect(second.data.map((u) => u.id)).toEqual(ids.slice(5, 10));
    expect(second.listMetadata).toEqual({ before: ids[5], after: ids[9] });
    const back = await workos.userManagement.listUsers({
      organizationId: org.id,
      limit: 3,
      order: 'asc',
      before: ids[5],
    });
    expect(back.data.map((u) => u.id)).toEqual(ids.slice(2, 5));
    const newest = await workos.userManagement.listUsers({ organizationId: org.id });
    expect(newest.data.map((u) => u.id)).toEqual([...ids].reverse().slice(0, 10));
    expect(await newest.autoPagination()).toHaveLength(12);
    const bad = await fetch(`${emu.url}/user_management/users?limit=101`, {
      headers: { Authorization: `Bearer ${emu.apiKey}` },
    });
    expect(bad.status).toBe(422);
  });
});

describe('wire details', () => {
  it('401s a missing or wrong key, on known and unknown paths', async () => {
    await expect(sdk('sk_test_wrong').organizations.listOrganizations()).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    const raw = await fetch(`${emu.url}/organizations`);
    expect([raw.status, await raw.json()]).toEqual([401, { message: 'Unauthorized' }]);
    const unknown = await fetch(`${emu.url}/no/such/path`, {
      headers: { Authorization: `Bearer ${emu.apiKey}` },
    });
    expect([unknown.status, await unknown.json()]).toEqual([404, { message: 'Not Found' }]);
  });

  it('sends X-Request-ID, JSON content types and the recorded DELETE statuses', async () => {
    const auth = { Authorization: `Bearer ${emu.apiKey}` };
    const list = await fetch(`${emu.url}/organizations`, { headers: auth });
    expect(list.headers.get('content-type')).toMatch(/^application\/json/);
    expect(list.headers.get('x-request-id')).toMatch(/^req_/);
    const org = await workos.organizations.createOrganization({ name: 'Deleted Soon' });
    const del = await fetch(`${emu.url}/organizations/${org.id}`, { method: 'DELETE', headers: auth });
    expect([del.status, del.headers.get('content-type'), await del.text()]).toEqual([
      202,
      'text/plain; charset=utf-8',
      'Accepted',
    ]);
    const conn = (await workos.sso.listConnections()).data[0];
    const delConn = await fetch(`${emu.url}/connections/${conn.id}`, { method: 'DELETE', headers: auth });
    expect(delConn.status).toBe(204);
  });

  it('replays an idempotent POST and refuses the same key with another body', async () => {
    const a = await workos.organizations.createOrganization({ name: 'Idem' }, { idempotencyKey: 'idem-1' });
    const b = await workos.organizations.createOrganization({ name: 'Idem' }, { idempotencyKey: 'idem-1' });
    expect(b.id).toBe(a.id);
    const error = await workos.organizations
      .createOrganization({ name: 'Other' }, { idempotencyKey: 'idem-1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GenericServerException);
    expect((error as GenericServerException).status).toBe(400);
    expect((error as Error).message).toBe(
      'Another idempotency key (idem-1) with different request parameters was found. Please use a different idempotency key.',
    );
  });
});
