import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CatalogEndpoint, endpoints, MAX_PATH_LENGTH, match } from '../src/catalog/index.js';

const isParam = (segment: string) => segment.startsWith('{');
const idOf = (method: string, path: string) => {
  const result = match(method, path);
  return result.kind === 'match' ? result.endpoint.id : result.kind;
};

describe('match: well-formed paths', () => {
  it('resolves a concrete path to its endpoint with decoded parameters', () => {
    expect(match('DELETE', '/organizations/org_01HXYZ')).toMatchObject({
      kind: 'match',
      endpoint: { id: 'organizations.delete' },
      params: { id: 'org_01HXYZ' },
    });
    expect(match('GET', '/authorization/roles/users%3Aread')).toMatchObject({
      params: { slug: 'users:read' },
    });
    expect(match('GET', '/authorization/roles/users:read')).toMatchObject({ params: { slug: 'users:read' } });
    expect(match('GET', '/vault/v1/kv/name/caf%C3%A9%20menu')).toMatchObject({
      params: { name: 'café menu' },
    });
  });

  it('prefers a literal segment over a parameter', () => {
    expect(idOf('POST', '/auth/factors/enroll')).toBe('mfa.enroll_factor');
    expect(idOf('GET', '/auth/factors/auth_factor_1')).toBe('mfa.get_factor');
    expect(idOf('GET', '/organizations/external_id/ext-1')).toBe('organizations.get_by_external_id');
    expect(idOf('GET', '/organizations/org_1/groups')).toBe('groups.list');
    expect(idOf('GET', '/user_management/users/external_id/x')).toBe('users.get_by_external_id');
  });

  it('backtracks to the parameter branch when the literal branch dead-ends', () => {
    // `external_id` is also a possible organization id; only the parameter branch has `/it_contacts/{id}/invite`.
    expect(idOf('POST', '/organizations/external_id/it_contacts/c_1/invite')).toBe(
      'organizations.invite_it_contact',
    );
  });

  it('says not_found for a well-formed path no endpoint has, and for a known path under another method', () => {
    expect(match('GET', '/nothing/here')).toEqual({ kind: 'not_found' });
    expect(match('PATCH', '/organizations/org_1')).toEqual({ kind: 'not_found' });
    expect(match('GET', '/organizations/org_1/extra/segments')).toEqual({ kind: 'not_found' });
    expect(match('GET', '/')).toEqual({ kind: 'not_found' });
  });
});

describe('match: refuses what it cannot classify safely', () => {
  const refused: Array<[string, string]> = [
    ['GET', '/organizations/.'],
    ['GET', '/organizations/..'],
    ['GET', '/organizations/%2e'],
    ['GET', '/organizations/%2E%2e'],
    ['GET', '/organizations/.%2E'],
    ['GET', '/organizations/../users'],
    ['GET', '/organizations/a%2fb'],
    ['GET', '/organizations/a%2Fb'],
    ['GET', '/organizations/a%5cb'],
    ['GET', '/organizations/a\\b'],
    ['GET', '/organizations//org_1'],
    ['GET', '/organizations/'],
    ['GET', '//organizations'],
    ['GET', '/organizations/a%00'],
    ['GET', '/organizations/a%7F'],
    ['GET', '/organizations/a%1f'],
    ['GET', '/organizations/a\u0000'],
    ['GET', '/organizations/a\u007f'],
    ['GET', '/organizations/a%C2%85'],
    ['GET', '/organizations/a%'],
    ['GET', '/organizations/a%2'],
    ['GET', '/organizations/a%zz'],
    ['GET', '/organizations/a%C3'],
    ['GET', '/organizations/a%FF'],
    ['GET', '/organizations/a%ED%A0%80'],
    ['GET', '/organizations/%252e%252e'],
    ['GET', '/user_management/users/x%252f..%252forganizations'],
    ['GET', '/organizations/org%2541'],
    ['GET', '/organizations/a b'],
    ['GET', '/organizations/café'],
    ['GET', '/organizations?x=1'],
    ['GET', 'organizations'],
    ['GET', ''],
    ['GET', `/organizations/${'a'.repeat(MAX_PATH_LENGTH)}`],
    ['GET', `/${Array.from({ length: 40 }, () => 'a').join('/')}`],
    ['HEAD', '/organizations'],
    ['OPTIONS', '/organizations'],
    ['get', '/organizations'],
    ['TRACE', '/organizations'],
  ];
  it.each(refused)('%s %s is invalid', (method, path) => {
    const result = match(method, path);
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') expect(result.reason.length).toBeGreaterThan(0);
  });
});

/**
 * Pairs of templates that can both match one concrete path. Each is deliberate: the first (a literal
 * segment where the other has a parameter) wins. Any new overlap fails this test until it is listed here.
 */
const EXTERNAL_ID =
  'WorkOS routes `external_id` as a lookup, so no organization or user id can be "external_id"';
const VAULT_NAME = 'WorkOS routes `name` as a lookup by object name, so no vault object id can be "name"';
const DELIBERATE_OVERLAPS: Array<[string, string, string, string]> = [
  ...[
    '/organizations/{}/it_contacts',
    '/organizations/{}/roles',
    '/organizations/{}/data_integration_configurations',
    '/organizations/{}/data_providers',
    '/organizations/{}/audit_log_configuration',
    '/organizations/{}/audit_logs_retention',
    '/organizations/{}/api_keys',
    '/organizations/{}/feature-flags',
    '/organizations/{}/groups',
    '/organizations/{}/authorized_applications',
  ].map((loser): [string, string, string, string] => [
    'GET',
    '/organizations/external_id/{}',
    loser,
    EXTERNAL_ID,
  ]),
  ...[
    '/user_management/users/{}/identities',
    '/user_management/users/{}/auth_factors',
    '/user_management/users/{}/sessions',
    '/user_management/users/{}/api_keys',
    '/user_management/users/{}/feature-flags',
    '/user_management/users/{}/data_providers',
    '/user_management/users/{}/authorized_applications',
  ].map((loser): [string, string, string, string] => [
    'GET',
    '/user_management/users/external_id/{}',
    loser,
    EXTERNAL_ID,
  ]),
  ['GET', '/vault/v1/kv/name/{}', '/vault/v1/kv/{}/metadata', VAULT_NAME],
  ['GET', '/vault/v1/kv/name/{}', '/vault/v1/kv/{}/versions', VAULT_NAME],
];

const normalized = (endpoint: CatalogEndpoint) => endpoint.path.replace(/\{[^}]+\}/g, '{}');

function overlaps(a: CatalogEndpoint, b: CatalogEndpoint): boolean {
  const left = a.path.split('/');
  const right = b.path.split('/');
  return (
    a.method === b.method &&
    left.length === right.length &&
    left.every((segment, i) => isParam(segment) || isParam(right[i] ?? '') || segment === right[i])
  );
}

/** The concrete path both templates match: each literal, else a placeholder id. */
function witness(a: CatalogEndpoint, b: CatalogEndpoint): string {
  const right = b.path.split('/');
  return a.path
    .split('/')
    .map((segment, i) => (isParam(segment) ? (isParam(right[i] ?? '') ? 'id_1' : right[i]) : segment))
    .join('/');
}

describe('match: ambiguity', () => {
  it('has no overlapping templates except the listed ones, where the literal wins', () => {
    const found: Array<[string, string, string]> = [];
    for (const a of endpoints) {
      for (const b of endpoints) {
        if (a === b || !overlaps(a, b)) continue;
        const winner = idOf(a.method, witness(a, b));
        if (winner === a.id) found.push([a.method, normalized(a), normalized(b)]);
        else expect(winner, `${a.id} / ${b.id}`).toBe(b.id);
      }
    }
    const expected = DELIBERATE_OVERLAPS.map(([method, winner, loser]) => [method, winner, loser]);
    expect(found.sort()).toEqual(expected.sort());
  });
});

/** What the SDK sends for a path parameter: encodeURIComponent with ':' kept (REFERENCE §5.6). */
const encodeParam = (value: string) => encodeURIComponent(value).replace(/%3A/gi, ':');
const LITERALS = new Set(endpoints.flatMap((e) => e.path.split('/').filter((s) => s && !isParam(s))));
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const paramValue = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
  .filter((value) => value !== '.' && value !== '..' && !CONTROL.test(value) && !LITERALS.has(value))
  .filter((value) => !value.includes('/') && !value.includes('\\'))
  // A value holding `%XX` is refused as double-encoded once encoded (see the refused list).
  .filter((value) => !/%[0-9A-Fa-f]{2}/.test(value));

const hostileSegment = fc.constantFrom(
  '.',
  '..',
  '%2e',
  '%2E',
  '%2e%2E',
  '.%2e',
  '%2E.',
  '%2f',
  '%2F',
  'a%2fb',
  '%5c',
  '%5C',
  'a\\b',
  '\\',
  '%00',
  'a%00',
  '%7f',
  '%7F',
  '%1f',
  '%0a',
  '%0D',
  '\u0000',
  '\u001f',
  '\u007f',
  '%',
  '%g0',
  '%2',
  '%C3',
  '%FF',
  '%C0%AE',
  'a b',
  '\u00e9',
  '"',
  '<',
  '{id}',
  '?',
  '#',
);
const plainSegment = fc.oneof(fc.constantFrom(...LITERALS), fc.stringMatching(/^[A-Za-z0-9_:-]{1,12}$/));

describe('match: properties', () => {
  it('never throws, whatever the method and path', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), fc.string()),
        fc.string(),
        (m, p) => {
          expect(['match', 'not_found', 'invalid']).toContain(match(m, p).kind);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never matches a path holding a dot segment, an encoded slash, a control character or a bad encoding', () => {
    fc.assert(
      fc.property(
        fc.array(plainSegment, { maxLength: 5 }),
        hostileSegment,
        fc.array(plainSegment, { maxLength: 5 }),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        (before, hostile, after, method) => {
          const path = `/${[...before, hostile, ...after].join('/')}`;
          expect(match(method, path).kind).toBe('invalid');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('matches a concrete path built from any template back to it, with the parameters decoded', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...endpoints),
        fc.array(paramValue, { minLength: 8, maxLength: 8 }),
        (endpoint, values) => {
          const params: Record<string, string> = {};
          let next = 0;
          const path = endpoint.path
            .split('/')
            .map((segment) => {
              if (!isParam(segment)) return segment;
              const value = values[next++] ?? 'x';
              params[segment.slice(1, -1)] = value;
              return encodeParam(value);
            })
            .join('/');
          const result = match(endpoint.method, path);
          expect(result).toEqual({ kind: 'match', endpoint, params });
        },
      ),
      { numRuns: 3000 },
    );
  });
});
