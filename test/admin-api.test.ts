import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminServer, ensureAdminToken } from '../src/admin/index.js';
import { createAgentService } from '../src/agents/index.js';
import { sealRecord } from '../src/audit/index.js';
import { hashToken } from '../src/credentials/agent-token.js';
import { openStore } from '../src/store/index.js';
import type { AuditDraft, Store } from '../src/store/types.js';
import { makeDraft } from './store-harness.js';

let dir: string;
let store: Store;
let app: FastifyInstance;
let base: string;
let adminToken: string;

async function api(method: string, path: string, body?: unknown, token: string | null = adminToken) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A proxied call as the gateway records it: a 'call' draft (an 'outcome' shares its request id). */
function callDraft(requestId: string, agentId: string, overrides: Partial<AuditDraft> = {}): AuditDraft {
  return makeDraft({ time: new Date().toISOString(), requestId, agentId, agentName: 'reader', ...overrides });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bollard-admin-'));
  store = await openStore({ kind: 'sqlite', path: dir });
  const agents = createAgentService(store, { seal: sealRecord });
  const admin = await ensureAdminToken({ dataDir: dir });
  adminToken = admin.generated ?? '';
  app = await buildAdminServer({ store, agents, adminTokenHash: admin.hash });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('admin token', () => {
  it('is generated once with its own prefix, kept only as a hash, and reused on the next start', async () => {
    expect(adminToken).toMatch(/^boladm_[A-Za-z0-9_-]{43}$/);
    const again = await ensureAdminToken({ dataDir: dir });
    expect(again).toMatchObject({ generated: null, source: 'data-dir' });
    expect(readFileSync(join(dir, 'admin-token.sha256'), 'utf8')).not.toContain(adminToken);
  });

  it('refuses requests without it, with a wrong one, and with an agent token', async () => {
    const { body } = await api('POST', '/api/v1/agents', { name: 'probe', grants: [] });
    expect((await api('GET', '/api/v1/agents', undefined, null)).status).toBe(401);
    expect((await api('GET', '/api/v1/agents', undefined, 'boladm_wrong')).body.code).toBe(
      'admin_unauthorized',
    );
    const asAgent = await api('GET', '/api/v1/agents', undefined, body.token);
    expect(asAgent).toMatchObject({ status: 401, body: { code: 'admin_unauthorized' } });
    expect(asAgent.body.message).toContain('agent token');
    await expect(ensureAdminToken({ dataDir: dir, configured: body.token })).rejects.toThrow(/agent token/);
    await api('DELETE', '/api/v1/agents/probe');
  });

  it('leaves only /health open; the OpenAPI document, behind the token, lists every route', async () => {
    expect(await api('GET', '/health', undefined, null)).toEqual({ status: 200, body: { ok: true } });
    expect((await api('GET', '/openapi.json', undefined, null)).status).toBe(401);
    const { body } = await api('GET', '/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/agents/{id}/rotate', '/api/v1/audit/stream', '/api/v1/policy/apply']),
    );
    expect(
      body.paths['/api/v1/agents'].post.requestBody.content['application/json'].schema.required,
    ).toContain('name');
  });
});

describe('agents lifecycle', () => {
  it('explains a mistyped area and refuses a duplicate name', async () => {
    const bad = await api('POST', '/api/v1/agents', {
      name: 'typo',
      grants: ['organisation:read', 'users:admin'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect(bad.body.errors.map((error: { message: string }) => error.message)).toEqual([
      "unknown area 'organisation' — did you mean 'organizations'?",
      "unknown access level 'admin' in 'users:admin' (use read or write)",
    ]);
    const shape = await api('POST', '/api/v1/agents', { name: 'Bad Name', grants: 'users:read' });
    expect(shape.body.errors.map((error: { path: string }) => error.path)).toEqual([
      'body.name',
      'body.grants',
    ]);
    await api('POST', '/api/v1/agents', { name: 'dup', grants: [] });
    expect((await api('POST', '/api/v1/agents', { name: 'dup', grants: [] })).body.code).toBe('conflict');
  });

  it('creates, shows, updates, rotates with and without grace, revokes and deletes', async () => {
    const created = await api('POST', '/api/v1/agents', {
      name: 'support',
      grants: ['users:read'],
      description: 'answers tickets',
      expiresIn: '30d',
    });
    expect(created.status).toBe(201);
    const first = created.body.token as string;
    const id = created.body.agent.id as string;
    expect(id).toMatch(/^agt_[0-9A-Z]{26}$/);
    expect(created.body.agent.tokens[0].id).toMatch(/^tok_/);
    expect(Date.parse(created.body.agent.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await api('GET', `/api/v1/agents/${id}`)).body.name).toBe('support');

    const updated = await api('PATCH', '/api/v1/agents/support', { grants: ['users:write', 'sso:read'] });
    expect(updated.body.grants).toEqual(['sso:read', 'users:write']);

    const graced = await api('POST', '/api/v1/agents/support/rotate', { graceSeconds: 3600 });
    const firstRecord = (await store.findToken(hashToken(first)))?.token;
    expect(firstRecord?.revokedAt).toBeNull();
    expect(Date.parse(firstRecord?.expiresAt ?? '') - Date.now()).toBeGreaterThan(3500_000);
    const second = graced.body.token as string;

    await api('POST', '/api/v1/agents/support/rotate', {});
    expect((await store.findToken(hashToken(second)))?.token.revokedAt).not.toBeNull();

    const revoked = await api('POST', '/api/v1/agents/support/revoke');
    expect(revoked.body.tokens.every((token: { active: boolean }) => !token.active)).toBe(true);
    expect((await store.findToken(hashToken(first)))?.token.revokedAt).not.toBeNull();

    expect((await api('DELETE', '/api/v1/agents/support')).status).toBe(204);
    expect((await api('GET', '/api/v1/agents/support')).body.code).toBe('not_found');
  });

  it('records every change in the audit chain with before/after and the grants diff, never a token', async () => {
    const created = await api('POST', '/api/v1/agents', { name: 'audited', grants: ['users:read'] });
    await api('PATCH', '/api/v1/agents/audited', { grants: ['organizations:write'] });
    const rotated = await api('POST', '/api/v1/agents/audited/rotate', {});
    const { body } = await api('GET', '/api/v1/audit?kind=admin&agent=audited');
    const actions = body.data.map((entry: { reason: string }) => entry.reason);
    expect(actions).toEqual(['token.rotated', 'agent.updated', 'agent.created']);
    const update = body.data[1];
    expect(update.details.before.grants).toEqual({ users: 'read' });
    expect(update.details.after.grants).toEqual({ organizations: 'write' });
    expect(update.details.grants).toEqual({
      gained: ['organizations:read', 'organizations:write'],
      lost: ['users:read'],
    });
    expect(update.rule).toBe('admin:admin');
    const secrets = [created.body.token, rotated.body.token, adminToken];
    const audit = JSON.stringify(body);
    for (const secret of secrets) {
      expect(audit).not.toContain(secret);
      expect(audit).not.toContain(hashToken(secret));
    }
    const dbBytes = readFileSync(join(dir, 'bollard.db'));
    for (const secret of secrets) expect(dbBytes.includes(Buffer.from(secret))).toBe(false);
    expect((await api('POST', '/api/v1/audit/verify')).body.ok).toBe(true);
  });
});

describe('audit query and stream', () => {
  it('merges a call with its outcome, filters, and pages with a cursor', async () => {
    const agent = (await api('POST', '/api/v1/agents', { name: 'reader', grants: ['organizations:read'] }))
      .body.agent;
    const drafts: AuditDraft[] = [];
    for (let i = 0; i < 5; i++) {
      const call = callDraft(`req_${i}`, agent.id);
      drafts.push(call, {
        ...call,
        kind: 'outcome',
        status: i === 4 ? 502 : 200,
        upstreamStatus: 200,
        latencyMs: 7,
      });
    }
    drafts.push(
      callDraft('req_denied', agent.id, { decision: 'deny', reason: 'missing_permission', status: 403 }),
    );
    await store.appendAudit(drafts, sealRecord);

    const page1 = await api('GET', `/api/v1/audit?agent=reader&kind=call&limit=3`);
    expect(page1.body.data.map((entry: { requestId: string }) => entry.requestId)).toEqual([
      'req_denied',
      'req_4',
      'req_3',
    ]);
    expect(page1.body.data[1]).toMatchObject({ kind: 'call', status: 502, latencyMs: 7 });
    expect(page1.body.data[1].outcome.seq).toBeGreaterThan(page1.body.data[1].seq);
    const page2 = await api(
      'GET',
      `/api/v1/audit?agent=reader&kind=call&limit=3&cursor=${page1.body.nextCursor}`,
    );
    expect(page2.body.data.map((entry: { requestId: string }) => entry.requestId)).toEqual([
      'req_2',
      'req_1',
      'req_0',
    ]);
    const failed = await api('GET', '/api/v1/audit?status=502');
    expect(failed.body.data.map((entry: { requestId: string }) => entry.requestId)).toEqual(['req_4']);
    expect((await api('GET', '/api/v1/audit?decision=deny&area=organizations')).body.data).toHaveLength(1);
    expect((await api('GET', '/api/v1/audit?decision=maybe')).body.code).toBe('validation_failed');
  });

  it('streams a call made after the stream opened, merged with its outcome', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/api/v1/audit/stream?agent=reader`, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value); // the opening comment: the stream is live
    const call = callDraft('req_live', (await store.getAgentByName('reader'))?.id ?? '');
    const appendedAt = Date.now();
    await store.appendAudit([call], sealRecord);
    await store.appendAudit([{ ...call, kind: 'outcome', status: 201 }], sealRecord);
    while (!text.includes('req_live')) text += decoder.decode((await reader.read()).value);
    const latencyMs = Date.now() - appendedAt;
    controller.abort();
    const event = text.split('\n\n').find((block) => block.includes('req_live')) ?? '';
    expect(event).toContain('event: call');
    expect(JSON.parse(event.split('data: ')[1] ?? '{}')).toMatchObject({
      requestId: 'req_live',
      status: 201,
    });
    console.log(`audit stream: record shown ${latencyMs} ms after it was appended`);
  });
});
