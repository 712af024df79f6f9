import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildAdminServer, ensureAdminToken } from '../src/admin/index.js';
import { createAgentService } from '../src/agents/index.js';
import { sealRecord } from '../src/audit/index.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { runCli } from './support/processes.js';

// CLI runs are child processes (about 1 s each, more on a busy machine).
vi.setConfig({ testTimeout: 120_000 });

let dir: string;
let store: Store;
let app: FastifyInstance;
let adminUrl: string;
let adminToken: string;

/** An admin API answer's JSON, read loosely: the tests check its fields. */
interface Json {
  [field: string]: Json & string;
}

async function api(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${adminUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json().catch(() => null)) as Json };
}

const cli = (token: string, ...args: string[]) =>
  runCli(args, { BOLLARD_ADMIN_URL: adminUrl, BOLLARD_ADMIN_TOKEN: token });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bollard-operators-'));
  store = await openStore({ kind: 'sqlite', path: dir });
  const admin = await ensureAdminToken({ dataDir: dir });
  adminToken = admin.generated ?? '';
  app = await buildAdminServer({
    store,
    agents: createAgentService(store, { seal: sealRecord }),
    adminTokenHash: admin.hash,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  adminUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('named operators', () => {
  let carol: string;
  let vera: string;

  it('the bootstrap admin creates operators through the CLI; each token is shown once and kept only as a hash', async () => {
    const created = await cli(adminToken, 'operators', 'create', 'carol', '--role', 'admin', '--json');
    expect(created.code, created.stderr).toBe(0);
    const result = JSON.parse(created.stdout);
    carol = result.token;
    expect(carol).toMatch(/^bolop_[A-Za-z0-9_-]{43}$/);
    expect(result.operator).toMatchObject({ name: 'carol', role: 'admin', createdBy: 'admin', active: true });
    expect(JSON.stringify(result.operator)).not.toContain(carol.slice(10));

    const text = await cli(adminToken, 'operators', 'create', 'vera', '--role', 'viewer');
    expect(text.code, text.stderr).toBe(0);
    vera = /(bolop_\S+)/.exec(text.stdout)![1]!;

    const listed = await api(vera, 'GET', '/operators');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.json)).not.toMatch(/"hash"|bolop_[A-Za-z0-9_-]{20}/);
    // Neither token is anywhere in the database files: only their SHA-256.
    const files = readdirSync(dir).map((name) => readFileSync(join(dir, name)).toString('latin1'));
    for (const token of [carol, vera]) expect(files.some((content) => content.includes(token))).toBe(false);
  });

  it('a viewer reads but is refused a change with 403 operator_forbidden, and the CLI says which role it needs', async () => {
    expect((await api(vera, 'GET', '/agents')).status).toBe(200);
    expect((await api(vera, 'GET', '/me')).json).toEqual({
      name: 'vera',
      role: 'viewer',
      operatorId: expect.stringMatching(/^opr_/),
    });
    const refused = await cli(vera, 'agents', 'create', 'sneaky', '--grant', 'users:read');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "Operator 'vera' (viewer) may not POST /api/v1/agents: it needs the admin role.",
    );
    expect(await store.getAgentByName('sneaky')).toBeNull();
  });

  it('every admin change record names the operator who made it', async () => {
    const created = await api(carol, 'POST', '/agents', {
      name: 'billing-bot',
      grants: ['organizations:read'],
    });
    expect(created.status).toBe(201);
    const [record] = await store.queryAudit({ kind: 'admin', agentId: created.json.agent.id, limit: 1 });
    expect(record).toMatchObject({ reason: 'agent.created', rule: 'admin:carol' });
    expect(record?.details.actor).toEqual({ kind: 'admin', name: 'carol' });
    const [operatorRecord] = await store.queryAudit({ kind: 'admin', limit: 1 });
    expect(operatorRecord?.rule).toBe('admin:carol');

    await api(adminToken, 'POST', '/operators/vera/revoke');
    const [revocation] = await store.queryAudit({ kind: 'admin', limit: 1 });
    expect(revocation).toMatchObject({ reason: 'operator.revoked', rule: 'admin:admin' });
    expect(revocation?.details.operator).toMatchObject({ name: 'vera', role: 'viewer' });
  });

  it('a revoked operator is refused at once; an agent token is never an operator', async () => {
    expect((await api(vera, 'GET', '/agents')).status).toBe(401);
    const { token } = (await api(carol, 'POST', '/agents', { name: 'plain', grants: ['users:read'] })).json;
    const agent = await api(token, 'GET', '/agents');
    expect(agent.status).toBe(401);
    expect(agent.json.message).toContain('that is an agent token');
    expect((await api(adminToken, 'POST', '/operators', { name: 'admin', role: 'viewer' })).status).toBe(409);
  });
});
