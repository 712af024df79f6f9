import { describe, expect, it } from 'vitest';
import {
  areaNames,
  areas,
  endpoints,
  events,
  eventsForArea,
  filterEndpoints,
  findByTemplate,
  GENERAL_RATE_LIMIT,
  getEndpoint,
} from '../src/catalog/index.js';

describe('catalog data', () => {
  it('gives every endpoint a unique id prefixed with its area', () => {
    const ids = endpoints.map((endpoint) => endpoint.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const endpoint of endpoints)
      expect(endpoint.id.startsWith(`${endpoint.area}.`), endpoint.id).toBe(true);
  });

  it('has exactly one endpoint per method + template', () => {
    const keys = endpoints.map(
      (endpoint) => `${endpoint.method} ${endpoint.path.replace(/\{[^}]+\}/g, '{}')}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('derives every permission from area and access, in a documented area', () => {
    for (const endpoint of endpoints) {
      expect(endpoint.permission).toBe(`${endpoint.area}:${endpoint.access}`);
      expect(areaNames).toContain(endpoint.area);
    }
    for (const area of areas) {
      expect(area.title.length).toBeGreaterThan(0);
      expect(area.summary.length).toBeGreaterThan(0);
      expect(filterEndpoints({ area: area.name }).length, area.name).toBeGreaterThan(0);
    }
    expect(areaNames.slice(0, 9)).toEqual([
      'users',
      'magic_auth',
      'mfa',
      'organizations',
      'organization_domains',
      'sso',
      'directory_sync',
      'audit_logs',
      'roles',
    ]);
  });

  it('puts every event in an existing area and links it to existing endpoints that list it', () => {
    for (const event of events) {
      expect(areaNames, event.name).toContain(event.area);
      for (const id of event.triggeredBy) expect(getEndpoint(id)?.webhookEvents).toContain(event.name);
    }
    const names = new Set(events.map((event) => event.name));
    for (const endpoint of endpoints)
      for (const name of endpoint.webhookEvents) expect(names.has(name), name).toBe(true);
    expect(eventsForArea('directory_sync').every((event) => event.name.startsWith('dsync.'))).toBe(true);
    expect(events.find((event) => event.name === 'connection.activated')?.area).toBe('sso');
  });

  it('classifies reads and writes semantically (REFERENCE §8 and the seed)', () => {
    const access = (method: string, path: string) => findByTemplate(method, path)?.access;
    expect(access('POST', '/sso/token')).toBe('read');
    expect(access('POST', '/user_management/authenticate')).toBe('write');
    expect(access('POST', '/authorization/organization_memberships/{id}/check')).toBe('read');
    expect(access('POST', '/api_keys/validations')).toBe('read');
    expect(access('POST', '/vault/v1/keys/decrypt')).toBe('read');
    expect(access('POST', '/agents/credentials/validate')).toBe('read');
    expect(access('GET', '/user_management/sessions/logout')).toBe('write');
  });

  it('carries the WorkOS rate limits, sharing the AuthKit counters', () => {
    expect(GENERAL_RATE_LIMIT).toMatchObject({ limit: 6000, windowSeconds: 60, scope: 'api_key' });
    expect(getEndpoint('organizations.delete')?.rateLimits).toEqual([
      expect.objectContaining({ limit: 50, windowSeconds: 60, scope: 'api_key' }),
    ]);
    const directoryList = findByTemplate('GET', '/directory_users')?.rateLimits[0];
    expect(directoryList).toMatchObject({
      limit: 4,
      windowSeconds: 1,
      key: [{ in: 'query', name: 'directory' }],
    });
    expect(findByTemplate('GET', '/directory_users/{id}')?.rateLimits[0]?.key).toEqual([]);
    expect(findByTemplate('GET', '/sso/authorize')?.rateLimits[0]?.key).toEqual([
      { in: 'query', name: 'connection' },
    ]);
    for (const endpoint of endpoints) {
      const ids = endpoint.rateLimits.map((rule) => rule.id);
      if (endpoint.path.startsWith('/user_management/')) {
        expect(ids, endpoint.id).toContain(endpoint.access === 'read' ? 'authkit.reads' : 'authkit.writes');
      } else {
        expect(
          ids.some((id) => id.startsWith('authkit.')),
          endpoint.id,
        ).toBe(false);
      }
    }
    const authenticate = getEndpoint('users.authenticate')?.rateLimits.map((rule) => rule.scope);
    expect(authenticate).toEqual(['environment', 'email', 'challenge']);
  });

  it('flags destructive calls, secrets, anonymous endpoints and organization scoping', () => {
    expect(getEndpoint('organizations.delete')?.destructive).toBe(true);
    expect(findByTemplate('DELETE', '/radar/lists/{type}/{action}')?.destructive).toBe(false);
    for (const endpoint of endpoints.filter((e) => e.destructive)) {
      expect(endpoint.access, endpoint.id).toBe('write');
    }
    expect(getEndpoint('magic_auth.create')?.responseSecrets).toContain('code');
    expect(findByTemplate('POST', '/portal/generate_link')?.responseSecrets).toEqual(['link']);
    expect(findByTemplate('POST', '/sso/token')?.requestSecrets).toContain('client_secret');
    expect(getEndpoint('users.authenticate')?.requestSecrets).toContain('client_secret');
    const anonymous = endpoints.filter((e) => e.anonymous).map((e) => `${e.method} ${e.path}`);
    expect(anonymous.sort()).toEqual([
      'GET /sso/authorize',
      'GET /sso/jwks/{clientId}',
      'GET /sso/logout',
      'GET /sso/profile',
      'GET /user_management/authorize',
      'GET /user_management/sessions/logout',
    ]);
    expect(findByTemplate('GET', '/organizations/{id}')?.organizationId).toEqual({ in: 'path', name: 'id' });
    expect(findByTemplate('GET', '/connections')?.organizationId).toEqual({
      in: 'query',
      name: 'organization_id',
    });
    expect(findByTemplate('POST', '/audit_logs/events')?.organizationId).toEqual({
      in: 'body',
      name: 'organization_id',
    });
    expect(findByTemplate('POST', '/portal/generate_link')?.organizationId).toEqual({
      in: 'body',
      name: 'organization',
    });
    expect(findByTemplate('GET', '/directory_users/{id}')?.organizationId).toBeNull();
  });

  it('keeps the legacy seed roles rows, linked to their current endpoints', () => {
    const legacy = findByTemplate('GET', '/roles');
    expect(legacy).toMatchObject({
      status: 'legacy',
      area: 'roles',
      replacedBy: 'roles.list_environment_roles',
    });
    expect(getEndpoint('roles.list_environment_roles')?.path).toBe('/authorization/roles');
    const orgRoles = findByTemplate('GET', '/organizations/{id}/roles');
    expect(orgRoles).toMatchObject({ status: 'legacy', replacedBy: 'roles.list_organization_roles' });
    expect(getEndpoint('roles.list_organization_roles')?.path).toBe(
      '/authorization/organizations/{organizationId}/roles',
    );
    expect(findByTemplate('GET', '/sso/authorize')).toMatchObject({
      status: 'current',
      anonymous: true,
      seedRow: 20,
    });
    for (const endpoint of endpoints.filter((e) => e.replacedBy)) {
      expect(getEndpoint(endpoint.replacedBy ?? '')?.status).toBe('current');
    }
  });

  it('filters by area, method, access, permission and search text', () => {
    const writes = filterEndpoints({ area: 'organizations', access: 'write' });
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((e) => e.area === 'organizations' && e.access === 'write')).toBe(true);
    expect(filterEndpoints({ method: 'patch' }).every((e) => e.method === 'PATCH')).toBe(true);
    expect(filterEndpoints({ permission: 'vault:read' }).every((e) => e.permission === 'vault:read')).toBe(
      true,
    );
    expect(filterEndpoints({ search: 'MAGIC' }).map((e) => e.id)).toEqual(
      expect.arrayContaining(['magic_auth.create', 'magic_auth.get']),
    );
    expect(filterEndpoints({ search: 'no such text anywhere' })).toEqual([]);
  });
});
