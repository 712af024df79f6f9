import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BODY_DEPTH, parseBody } from '../../src/gateway/parse-body.js';
import { type Harness, startHarness } from '../support/harness.js';

/**
 * Bollard decides, keys rate limits, redacts and swaps the key into the body on what it parsed, so it reads
 * bodies as WorkOS does (JSON whatever the declared type, a form when declared) and refuses, before anything
 * is recorded as allowed or forwarded, a body the two sides could read differently.
 */
let h: Harness;
let writer: string;
let organizationId: string;

async function send(path: string, contentType: string, body: string | Buffer) {
  const response = await fetch(`${h.proxyUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${writer}`, 'content-type': contentType },
    body,
  });
  const requestId = response.headers.get('x-bollard-request-id')!;
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, requestId };
}

async function recordsOf(requestId: string) {
  await h.app.audit.flush();
  return h.app.store.queryAudit({ requestId });
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

beforeAll(async () => {
  h = await startHarness();
  writer = await h.agent('body-writer', ['organizations:write', 'organization_domains:write', 'users:write']);
  const organizations = await fetch(`${h.proxyUrl}/organizations`, {
    headers: { authorization: `Bearer ${writer}` },
  });
  organizationId = ((await organizations.json()) as { data: { id: string }[] }).data[0]!.id;
});
afterAll(() => h.close());
beforeEach(() => h.clearEmulatorRequests());

describe('a JSON body declared as text/plain is read as JSON, as WorkOS reads it', () => {
  it('recorded with its organization and its fields, forwarded unchanged', async () => {
    const domain = `plain-${Date.now()}.example`;
    const plain = await send(
      '/organization_domains',
      'text/plain',
      JSON.stringify({ organization_id: organizationId, domain }),
    );
    expect(plain.status).toBe(201);
    const records = await recordsOf(plain.requestId);
    expect(records.map((r) => [r.kind, r.decision, r.organizationId])).toEqual([
      ['outcome', 'allow', organizationId],
      ['call', 'allow', organizationId],
    ]);
    // The write-ahead record summarizes the body's fields, as for a JSON body.
    expect(JSON.stringify(records[1]!.details.body)).toContain('domain');
    const upstream = await h.emulatorRequests();
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.body).toMatchObject({ organization_id: organizationId, domain });
  });

  it('on /user_management/authenticate the key is swapped into it (the password grant succeeds)', async () => {
    const result = await send(
      '/user_management/authenticate',
      'text/plain;charset=UTF-8',
      JSON.stringify({
        grant_type: 'password',
        client_id: h.emulator.clientId,
        client_secret: writer,
        email: 'grace@acme.test',
        password: 'demo-password-1',
      }),
    );
    expect(result.status).toBe(200);
    expect(result.body).toHaveProperty('access_token');
  });
});

describe('a body Bollard could read differently from WorkOS is refused with 400 before the write-ahead record', () => {
  const refused = [
    {
      what: 'duplicate JSON keys',
      type: 'application/json',
      body: '{"name":"A","name":"B"}',
      reason: 'duplicate_key',
    },
    {
      what: 'a key spelled twice, once escaped',
      type: 'application/json',
      body: '{"name":"A","n\\u0061me":"B"}',
      reason: 'duplicate_key',
    },
    {
      what: 'duplicate keys in a nested object',
      type: 'text/plain',
      body: '{"name":"A","metadata":{"k":"1","k":"2"}}',
      reason: 'duplicate_key',
    },
    {
      what: 'duplicate form fields',
      type: 'application/x-www-form-urlencoded',
      body: 'name=A&name=B',
      reason: 'duplicate_key',
    },
    {
      what: 'JSON declared as a form',
      type: 'application/x-www-form-urlencoded',
      body: '{"name":"A"}',
      reason: 'ambiguous_body',
    },
    {
      what: 'a content type naming the form type as a parameter',
      type: 'text/plain; x=application/x-www-form-urlencoded',
      body: '{"name":"A"}',
      reason: 'ambiguous_content_type',
    },
    {
      what: 'a byte-order mark',
      type: 'application/json',
      body: '\uFEFF{"name":"A"}',
      reason: 'byte_order_mark',
    },
    {
      what: 'a charset other than UTF-8',
      type: 'application/json; charset=latin1',
      body: '{"name":"A"}',
      reason: 'unsupported_charset',
    },
    {
      what: 'invalid UTF-8',
      type: 'application/json',
      body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      reason: 'invalid_utf8',
    },
    { what: 'a JSON array', type: 'application/json', body: '[{"name":"A"}]', reason: 'malformed_body' },
    { what: 'text that is not JSON', type: 'text/plain', body: 'name: A', reason: 'malformed_body' },
    {
      what: `nesting ${MAX_BODY_DEPTH + 1} deep`,
      type: 'application/json',
      body: `{"name":"A","x":${nested(MAX_BODY_DEPTH)}}`,
      reason: 'body_too_deep',
    },
  ];

  it.each(refused)('$what', async ({ type, body, reason }) => {
    const result = await send('/organizations', type, body);
    expect(result).toMatchObject({ status: 400, body: { code: 'invalid_request', reason } });
    const records = await recordsOf(result.requestId);
    expect(records.map((r) => [r.decision, r.rule, r.status])).toEqual([['deny', 'normalize:body', 400]]);
    expect(await h.emulatorRequests()).toEqual([]);
  });

  it('100,000-deep arrays on /user_management/authenticate (where the key is swapped into the body): 400, not a 500 after the record', async () => {
    const body = `{"grant_type":"password","client_id":"${h.emulator.clientId}","email":"grace@acme.test","password":"x","extra":${nested(100_000)}}`;
    const started = Date.now();
    const result = await send('/user_management/authenticate', 'application/json', body);
    expect(result).toMatchObject({ status: 400, body: { code: 'invalid_request', reason: 'body_too_deep' } });
    console.log(`100,000-deep body refused in ${Date.now() - started} ms`);
    const records = await recordsOf(result.requestId);
    expect(records.map((r) => [r.decision, r.rule])).toEqual([['deny', 'normalize:body']]);
    expect(await h.emulatorRequests()).toEqual([]);
  });
});

describe('parseBody', () => {
  it(`accepts nesting exactly ${MAX_BODY_DEPTH} deep, refuses one more`, () => {
    const at = (depth: number) => Buffer.from(`{"a":${nested(depth - 1)}}`);
    expect(parseBody(at(MAX_BODY_DEPTH), 'application/json').type).toBe('json');
    expect(() => parseBody(at(MAX_BODY_DEPTH + 1), 'application/json')).toThrow(/deeper/);
  });

  it('reads brackets, quotes and commas inside strings as text', () => {
    const body = '{"a":"[[[{\\"a\\":1,\\"a\\":2}","b":{"a":1},"c":[{"a":1},{"a":2}]}';
    expect(parseBody(Buffer.from(body), undefined).value).toEqual(JSON.parse(body));
  });

  it('a blank body is no body, as WorkOS reads it as {}', () => {
    expect(parseBody(Buffer.from(' \n\t '), 'application/json')).toEqual({ type: 'none', value: undefined });
  });
});
