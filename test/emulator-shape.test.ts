import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';

const FIXTURES = '/work/shared/workos/sdk-fixtures';
let emu: RunningEmulator;

type Shape = Record<string, string>;

/** Field name → JSON type (`null` counts as compatible with any type: WorkOS fields are nullable). */
function shapeOf(value: Record<string, unknown>): Shape {
  const out: Shape = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = field === null ? 'null' : Array.isArray(field) ? 'array' : typeof field;
  }
  return out;
}

/** Every fixture field exists in the emulator's object with the same JSON type (or null on one side). */
function expectSameShape(actual: Record<string, unknown>, fixture: Record<string, unknown>): void {
  const a = shapeOf(actual);
  for (const [key, type] of Object.entries(shapeOf(fixture))) {
    expect(a, `field ${key}`).toHaveProperty(key);
    if (type !== 'null' && a[key] !== 'null') expect(`${key}:${a[key]}`).toBe(`${key}:${type}`);
  }
}

function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURES}/${path}`, 'utf8'));
}

async function get(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${emu.url}${path}`, { headers: { Authorization: `Bearer ${emu.apiKey}` } });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as Record<string, unknown>;
}

async function post(path: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${emu.apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

async function first(path: string): Promise<Record<string, unknown>> {
  const list = await get(path);
  expectSameShape(list, { object: 'list', data: [], list_metadata: {} });
  return (list.data as Record<string, unknown>[])[0];
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
});
afterAll(() => emu.close());

describe('every object has the field names and JSON types of the SDK fixtures (or REFERENCE.md §2.0)', () => {
  it('users, magic auth, memberships', async () => {
    expectSameShape(await first('/user_management/users'), fixture('user-management/fixtures/user.json'));
    expectSameShape(
      await post('/user_management/magic_auth', { email: 'shape@acme.test' }),
      fixture('user-management/fixtures/magic_auth.json'),
    );
    expectSameShape(
      await first('/user_management/organization_memberships'),
      fixture('user-management/fixtures/organization-membership.json'),
    );
  });

  it('organizations and domains', async () => {
    const org = await first('/organizations');
    expectSameShape(org, fixture('organizations/fixtures/get-organization.json'));
    const domain = (org.domains as Record<string, unknown>[])[0];
    expectSameShape(domain, fixture('organization-domains/fixtures/get-organization-domain-verified.json'));
    const pending = await post('/organization_domains', { domain: 'shape.test', organization_id: org.id });
    expectSameShape(pending, fixture('organization-domains/fixtures/get-organization-domain-pending.json'));
  });

  it('roles, webhook endpoints, factors', async () => {
    const roles = (await get('/authorization/roles')).data as Record<string, unknown>[];
    expectSameShape(roles[0], fixture('authorization/fixtures/environment-role.json'));
    const endpoint = await post('/webhook_endpoints', {
      endpoint_url: 'https://x.test/h',
      events: ['user.created'],
    });
    expectSameShape(endpoint, fixture('webhooks/fixtures/webhook-endpoint.json'));
    const factors = (
      fixture('multi-factor-auth/fixtures/list-factors.json').data as Record<string, unknown>[]
    ).map((f) => {
      const { user_id: _ignored, ...rest } = f;
      return rest;
    });
    expectSameShape(
      await post('/auth/factors/enroll', { type: 'totp', totp_issuer: 'I', totp_user: 'u' }),
      factors[0],
    );
    expectSameShape(
      await post('/auth/factors/enroll', { type: 'sms', phone_number: '+15555550100' }),
      factors[1],
    );
    expectSameShape(await post('/auth/factors/enroll', { type: 'generic_otp' }), factors[2]);
  });

  it('connections, directories, directory users and groups (REFERENCE.md §2.0 and the recorded objects)', async () => {
    const time = { created_at: '', updated_at: '' };
    expectSameShape(await first('/connections'), {
      object: '',
      id: '',
      organization_id: '',
      connection_type: '',
      name: '',
      state: '',
      status: '',
      domains: [],
      ...time,
    });
    const directory = await first('/directories');
    expectSameShape(directory, {
      object: '',
      id: '',
      organization_id: '',
      external_key: '',
      type: '',
      state: '',
      name: '',
      domain: '',
      ...time,
    });
    const user = await first(`/directory_users?directory=${directory.id}`);
    expectSameShape(user, fixture('webhooks/fixtures/webhook.json').data as Record<string, unknown>);
    expectSameShape(user, {
      email: '',
      emails: [],
      username: '',
      job_title: '',
      role: {},
      roles: [],
      custom_attributes: {},
      groups: [],
      organization_id: '',
    });
    const group = await first(`/directory_groups?directory=${directory.id}`);
    expectSameShape(group, {
      object: '',
      id: '',
      idp_id: '',
      directory_id: '',
      organization_id: '',
      name: '',
      raw_attributes: {},
      ...time,
    });
  });

  it('audit-log exports and events', async () => {
    const org = await first('/organizations');
    const exported = await post('/audit_logs/exports', {
      organization_id: org.id,
      range_start: '2020-01-01T00:00:00Z',
      range_end: '2030-01-01T00:00:00Z',
    });
    expectSameShape(exported, { object: '', id: '', state: '', url: null, created_at: '', updated_at: '' });
    expect(String(exported.id)).toMatch(/^audit_log_export_/);
    const events = await get('/events?events=magic_auth.created');
    expect(events.list_metadata).toEqual({ after: null });
    expectSameShape((events.data as Record<string, unknown>[])[0], {
      object: 'event',
      id: '',
      event: '',
      data: {},
      created_at: '',
    });
  });
});
