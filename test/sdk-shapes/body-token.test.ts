import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GenericServerException } from '@workos-inc/node';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/store/types.js';
import { auditRecords, callsRepresented, type Harness, startHarness } from '../support/harness.js';

let h: Harness;
let token: string;
let other: string;

beforeAll(async () => {
  h = await startHarness({ config: { rateLimits: 'off' } });
  token = await h.agent('signer', ['users:write', 'sso:read']);
  other = await h.agent('other-signer', ['users:write']);
});

afterAll(async () => {
  await h?.close();
});

const AUTHENTICATE = '/user_management/authenticate';

async function post(target: string, headers: Record<string, string>, body: string) {
  const response = await request(`${h.proxyUrl}${target}`, { method: 'POST', headers, body });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    json: JSON.parse(text) as Record<string, unknown>,
    text,
  };
}

const json = (fields: Record<string, unknown>) => JSON.stringify(fields);
const password = (clientSecret?: string) =>
  json({
    client_id: h.emulator.clientId,
    ...(clientSecret === undefined ? {} : { client_secret: clientSecret }),
    email: 'grace@acme.test',
    password: 'demo-password-1',
    grant_type: 'password',
  });
const JSON_TYPE = { 'content-type': 'application/json' };

async function auditOf(requestId: string): Promise<AuditRecord[]> {
  await h.app.audit.flush();
  return h.app.store.queryAudit({ requestId });
}

async function upstreamCount(): Promise<number> {
  return (await h.emulatorRequests()).length;
}

/** Every byte Bollard keeps: its database files, and everything it logged. */
function everythingStored(): string {
  const files = readdirSync(h.dataDir).map((name) => readFileSync(path.join(h.dataDir, name), 'latin1'));
  return files.join('\n') + h.logs();
}

describe('the agent token as client_secret', () => {
  it('is accepted with no Authorization header, and the audit records the agent exactly as for a bearer call', async () => {
    const viaBody = await post(AUTHENTICATE, JSON_TYPE, password(token));
    const viaBearer = await post(
      AUTHENTICATE,
      { ...JSON_TYPE, authorization: `Bearer ${token}` },
      password(token),
    );
    expect(viaBody.status, viaBody.text).toBe(200);
    expect(viaBearer.status).toBe(200);
    expect(viaBody.json.user).toMatchObject({ email: 'grace@acme.test' });

    const records = async (answer: typeof viaBody) => {
      const found = await auditOf(String(answer.headers['x-bollard-request-id']));
      return found.map(
        ({ kind, agentId, agentName, decision, reason, rule, endpointId, area, permission, details }) => ({
          kind,
          agentId,
          agentName,
          decision,
          reason,
          rule,
          endpointId,
          area,
          permission,
          details,
        }),
      );
    };
    const bodyRecords = await records(viaBody);
    expect(bodyRecords.map((r) => r.kind).sort()).toEqual(['call', 'outcome']);
    expect(bodyRecords.find((r) => r.kind === 'call')).toMatchObject({
      agentName: 'signer',
      decision: 'allow',
      endpointId: expect.any(String),
      details: { body: { client_secret: '[redacted]', password: '[redacted]' } },
    });
    expect(bodyRecords).toEqual(await records(viaBearer));
  });
});

describe('refused credentials', () => {
  it('a bearer and a different client_secret: 400 invalid_request, nothing forwarded', async () => {
    const before = await upstreamCount();
    const answer = await post(
      AUTHENTICATE,
      { ...JSON_TYPE, authorization: `Bearer ${token}` },
      password(other),
    );
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ code: 'invalid_request', reason: 'ambiguous_token' });
    expect(answer.json.message).toMatch(/bearer token and the body's client_secret differ/);
    expect(await upstreamCount()).toBe(before);
    const [record] = await auditOf(String(answer.headers['x-bollard-request-id']));
    expect(record).toMatchObject({ decision: 'deny', reason: 'ambiguous_token', agentId: null, status: 400 });
  });

  it('a WorkOS key as the bearer, as client_secret (JSON or form): 401 saying agents use Bollard tokens; the key is echoed nowhere and stored nowhere', async () => {
    const key = h.emulator.apiKey;
    const before = await upstreamCount();
    const answers = [
      await request(`${h.proxyUrl}/organizations`, { headers: { authorization: `Bearer ${key}` } }).then(
        async (r) => ({ status: r.statusCode, headers: r.headers, text: await r.body.text() }),
      ),
      await post(AUTHENTICATE, JSON_TYPE, password(key)),
      await post(AUTHENTICATE, { ...JSON_TYPE, authorization: `Bearer ${token}` }, password(key)),
      await post(
        '/sso/token',
        { 'content-type': 'application/x-www-form-urlencoded' },
        new URLSearchParams({
          client_id: h.emulator.clientId,
          client_secret: key,
          code: 'c',
          grant_type: 'authorization_code',
        }).toString(),
      ),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      expect(body).toMatchObject({ code: 'unauthorized', reason: 'workos_key' });
      expect(body.message).toMatch(/Agents use Bollard tokens/);
      expect(answer.text).not.toContain(key);
      expect(answer.text).not.toContain(key.slice(8)); // not even the part after sk_test_
    }
    expect(await upstreamCount()).toBe(before);
    await h.app.anonymous.flush(); // repeats of one failure from one address are counted in one aggregate
    const records = await Promise.all(answers.map((a) => auditOf(String(a.headers['x-bollard-request-id']))));
    expect(records[0]).toMatchObject([{ reason: 'workos_key' }]);
    const all = (await auditRecords(h.app)).filter((r) => r.reason === 'workos_key');
    expect(all.reduce((sum, r) => sum + callsRepresented(r), 0)).toBe(4);
    for (const record of records.flat()) {
      const { body } = record.details as { body?: Record<string, unknown> };
      if (body) expect(body.client_secret).toBe('[redacted]');
    }
    expect(everythingStored()).not.toContain(key.slice(8));
  });
});

describe('a PKCE exchange with no token anywhere', () => {
  it('is refused with how to configure the agent, recorded, and never forwarded (JSON and form)', async () => {
    const before = await upstreamCount();
    const pkce = {
      client_id: h.emulator.clientId,
      grant_type: 'authorization_code',
      code: 'code_1',
      code_verifier: 'v'.repeat(43),
    };
    const answers = [
      await post(AUTHENTICATE, JSON_TYPE, json(pkce)),
      await post(
        '/sso/token',
        { 'content-type': 'application/x-www-form-urlencoded' },
        new URLSearchParams(pkce).toString(),
      ),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ code: 'unauthorized', reason: 'pkce_without_token' });
      expect(answer.json.message).toMatch(/give the SDK the agent's Bollard token as its API key/);
    }
    // The first is recorded in full; the repeat from the same address is counted in an aggregate record.
    await h.app.anonymous.flush();
    const [record] = await auditOf(String(answers[0]!.headers['x-bollard-request-id']));
    expect(record).toMatchObject({ decision: 'deny', reason: 'pkce_without_token', agentId: null });
    const all = (await auditRecords(h.app)).filter((r) => r.reason === 'pkce_without_token');
    expect(all.reduce((sum, r) => sum + callsRepresented(r), 0)).toBe(2);
    expect(await upstreamCount()).toBe(before);
    // Without code_verifier it is the plain missing token.
    const bare = await post(AUTHENTICATE, JSON_TYPE, password());
    expect(bare.json).toMatchObject({ code: 'unauthorized', reason: 'missing_token' });
  });

  it('goes through once the agent presents its token, in the body like the other SDKs', async () => {
    const pkce = {
      client_id: h.emulator.clientId,
      client_secret: token,
      grant_type: 'authorization_code',
      code: 'unknown',
      code_verifier: 'v'.repeat(43),
    };
    const answer = await post(AUTHENTICATE, JSON_TYPE, json(pkce));
    // Forwarded, with the key: the emulator, not Bollard, refuses the made-up code.
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: 'invalid_grant' });
    const [received] = (await h.emulatorRequests()).slice(-1);
    expect(received!.body).toMatchObject({ client_secret: '***', code_verifier: '***' });
    expect(received!.headers.authorization).toBeUndefined();
  });
});

describe("Bollard's own errors carry x-request-id", () => {
  it('so the SDK exception reports the request id the audit knows', async () => {
    const reader = await h.agent('reader', ['organizations:read']);
    const error = await h
      .sdk(reader)
      .organizations.createOrganization({ name: 'Nope' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GenericServerException);
    const requestId = (error as GenericServerException).requestID;
    expect(requestId).toMatch(/^req_/);
    const [record] = await auditOf(requestId);
    expect(record).toMatchObject({ decision: 'deny', reason: 'missing_permission', agentName: 'reader' });
  });
});
