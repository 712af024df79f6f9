import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactBody, redactQuery } from '../src/audit/redact.js';

const MARK = 'S3CRET-VALUE';

describe('redactBody', () => {
  it('keeps field names and non-secret values, hides secret values (case and spelling insensitive)', () => {
    const body = {
      email: 'ada@example.com',
      password: 'hunter2',
      Client_Secret: 'cs',
      clientSecret: 'cs2',
      'refresh-token': 'rt',
      code: '123456',
      new_password: 'x',
      authorization_code: 'ac',
      one_time_otp: '1',
      webhookSecret: 'y',
      organization_id: 'org_1',
      count: 3,
      active: true,
      none: null,
    };
    expect(redactBody(body)).toEqual({
      email: 'ada@example.com',
      password: REDACTED,
      Client_Secret: REDACTED,
      clientSecret: REDACTED,
      'refresh-token': REDACTED,
      code: REDACTED,
      new_password: REDACTED,
      authorization_code: REDACTED,
      one_time_otp: REDACTED,
      webhookSecret: REDACTED,
      organization_id: 'org_1',
      count: 3,
      active: true,
      none: null,
    });
  });

  it('follows nesting and arrays; a secret name hides a whole object or array', () => {
    const body = {
      user: { profile: { name: 'Ada', totp_code: '000111' }, tokens: [{ value: 'a' }] },
      items: [{ id: 1, api_key: 'k' }, 'plain', [{ secret: 's' }]],
    };
    expect(redactBody(body)).toEqual({
      user: { profile: { name: 'Ada', totp_code: REDACTED }, tokens: REDACTED },
      items: [{ id: 1, api_key: REDACTED }, 'plain', [{ secret: REDACTED }]],
    });
  });

  it('stores nothing for an absent body', () => {
    expect(redactBody(undefined)).toBeNull();
  });

  it('adds the catalog’s requestSecrets, dotted paths included', () => {
    expect(redactBody({ invitation: { magic: 'm' }, other: 'o' }, ['invitation.magic'])).toEqual({
      invitation: { magic: REDACTED },
      other: 'o',
    });
  });

  it('hides values that are keys or tokens whatever their field is called', () => {
    expect(redactBody({ note: 'sk_test_abc', n2: 'bol_xyz', auth: 'Bearer abc', fine: 'sk-ish' })).toEqual({
      note: REDACTED,
      n2: REDACTED,
      auth: REDACTED,
      fine: 'sk-ish',
    });
  });

  it('never lets a value under a secret name through, at any depth (property)', () => {
    const secretKey = fc.constantFrom(
      'password',
      'CLIENT_SECRET',
      'code',
      'refreshToken',
      'pending_authentication_token',
      'api-key',
      'x_password_confirm',
    );
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), tie('node'), { maxKeys: 4 }),
        // A secret planted somewhere, its value anything (a string, or a whole structure).
        fc
          .tuple(secretKey, fc.oneof(fc.constant(MARK), fc.constant({ inner: MARK }), fc.constant([MARK])))
          .map(([k, v]) => ({ [k]: v })),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (body) => {
        expect(JSON.stringify(redactBody(body))).not.toContain(MARK);
      }),
      { numRuns: 300 },
    );
  });
});

describe('redaction of other secret-carrying shapes, and size bounds', () => {
  it('hides the value of {name|key|field|header, value} pairs with a secret name, keeping the name', () => {
    expect(
      redactBody({
        custom: [
          { name: 'password', value: MARK },
          { key: 'stripe_api_key', value: MARK },
          { field: 'totp_code', value: { digits: MARK } },
          { header: 'Authorization', value: MARK },
          { name: 'color', value: 'blue' },
          { name: 'password' }, // not a pair: no value
        ],
      }),
    ).toEqual({
      custom: [
        { name: 'password', value: REDACTED },
        { key: 'stripe_api_key', value: REDACTED },
        { field: 'totp_code', value: REDACTED },
        { header: 'Authorization', value: REDACTED },
        { name: 'color', value: 'blue' },
        { name: 'password' },
      ],
    });
  });

  it('hides JWTs, Basic credentials, webhook secrets and PEM private keys whatever their field is called', () => {
    const body = {
      a: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-x',
      b: 'Basic dXNlcjpwYXNz',
      c: 'whsec_abc',
      d: '-----BEGIN RSA PRIVATE KEY-----\nMIIE…',
      e: 'eyJ not a jwt',
      f: 'Basics of auth',
    };
    expect(redactBody(body)).toEqual({
      a: REDACTED,
      b: REDACTED,
      c: REDACTED,
      d: REDACTED,
      e: 'eyJ not a jwt',
      f: 'Basics of auth',
    });
  });

  it('cuts long names and values with a marker, and counts the fields, items and parameters it drops', () => {
    const wide = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${i}`, i]));
    const out = redactBody({
      [`${'n'.repeat(70)}`]: 'v'.repeat(300),
      wide,
      list: Array(70).fill(1),
    }) as Record<string, Record<string, unknown> | unknown[]>;
    expect(out[`${'n'.repeat(64)}…[cut 6 chars]`]).toBe(`${'v'.repeat(256)}…[cut 44 chars]`);
    expect(Object.keys(out.wide!)).toHaveLength(51);
    expect((out.wide as Record<string, unknown>)['[dropped]']).toBe(10);
    expect(out.list).toHaveLength(51);
    expect((out.list as unknown[]).at(-1)).toBe('[dropped] 20 items');

    const deep = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [
        `o${i}`,
        Object.fromEntries(Array.from({ length: 40 }, (_, j) => [j, j])),
      ]),
    );
    const kept = JSON.stringify(redactBody(deep)).match(/":\d+/g)?.length ?? 0;
    expect(kept).toBeLessThanOrEqual(500);

    const query = redactQuery(Array.from({ length: 80 }, (_, i) => `p${i}=${i}`).join('&'));
    expect(query['[dropped]']).toBe(30);
  });
});

describe('redactQuery', () => {
  it('redacts secret parameters and keeps repeated names as arrays', () => {
    expect(
      redactQuery('?client_id=client_1&code=abc&client_secret=sk_live_1&domain=a.com&domain=b.com'),
    ).toEqual({
      client_id: 'client_1',
      code: REDACTED,
      client_secret: REDACTED,
      domain: ['a.com', 'b.com'],
    });
    expect(redactQuery(new URLSearchParams({ state: 'st', Token: MARK }))).toEqual({
      state: 'st',
      Token: REDACTED,
    });
  });
});
