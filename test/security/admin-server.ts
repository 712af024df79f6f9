import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  type AdminExposure,
  buildAdminServer,
  type ConsoleSessions,
  createConsoleSessions,
  ensureAdminToken,
} from '../../src/admin/index.js';
import { type AgentService, createAgentService, ShadowPolicy } from '../../src/agents/index.js';
import { AuditWriter, sealRecord } from '../../src/audit/index.js';
import { createOperatorService } from '../../src/operators/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { standaloneWebhookService } from '../support/webhook-service.js';

/** A real admin server (SQLite in a temp dir, every route family registered) for the security suites. */
export interface AdminWorld {
  app: FastifyInstance;
  port: number;
  store: Store;
  agents: AgentService;
  adminToken: string;
  /** The console's sessions: `sessions.open()` signs a browser in. */
  sessions: ConsoleSessions;
  /** A real agent's token (`bol_…`): never an admin credential. */
  agentToken: string;
  /** Named operators' tokens, one per role, and one of an operator since revoked. */
  operatorTokens: { admin: string; approver: string; viewer: string; revoked: string };
  /** A pending approval request (`apr_…`) of the victim's. */
  approvalId: string;
  /** Routes registered with `app.route` after the build, as a plugin or later code would. */
  lateRoutesCalled: () => number;
  close(): Promise<void>;
}

export const actor = { kind: 'admin' as const, name: 'security-test' };

/**
 * Builds the admin server, seeds a victim agent with a webhook subscription, adds two routes the
 * way later code might (`app.get`, `app.route`), then listens on 127.0.0.1:0.
 */
export async function startAdminWorld(exposure: AdminExposure = {}): Promise<AdminWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'bollard-admin-security-'));
  const store = await openStore({ kind: 'sqlite', path: dir });
  const audit = new AuditWriter(store);
  const agents = createAgentService(store, { seal: sealRecord });
  const webhooks = standaloneWebhookService(store, audit);
  const token = await ensureAdminToken({ dataDir: dir });
  const sessions = createConsoleSessions();
  const shadow = new ShadowPolicy();
  shadows.set(store, shadow);
  const app = await buildAdminServer({
    store,
    agents,
    webhooks,
    sessions,
    shadow,
    adminTokenHash: token.hash,
    ...exposure,
  });
  let lateCalls = 0;
  app.get('/api/v1/added-later', async () => {
    lateCalls++;
    return { secret: 'late' };
  });
  app.route({
    method: 'POST',
    url: '/internal/added-later',
    handler: async () => {
      lateCalls++;
      return { done: true };
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  await agents.create({ name: 'victim', grants: ['users:read'] }, actor);
  await webhooks.subscribe(
    { agent: 'victim', url: 'https://hooks.example/victim', events: ['user.created'] },
    actor,
  );
  const { token: agentToken } = await agents.create({ name: 'insider', grants: ['users:write'] }, actor);
  const operators = createOperatorService(store, { seal: sealRecord });
  const by = { name: 'admin', role: 'admin' as const };
  const tokenOf = async (name: string, role: 'admin' | 'approver' | 'viewer') =>
    (await operators.create({ name, role }, by)).token;
  const operatorTokens = {
    admin: await tokenOf('root-ops', 'admin'),
    approver: await tokenOf('bob', 'approver'),
    viewer: await tokenOf('vera', 'viewer'),
    revoked: await tokenOf('gone', 'admin'),
  };
  await operators.revoke('gone', by);
  // A pending approval request of the victim's, so the approval routes have something real to act on.
  const victim = (await store.getAgentByName('victim'))!;
  const approvalId = 'apr_01SECURITYSUITE0000000000';
  await store.apply(
    [
      {
        op: 'putApproval',
        approval: {
          id: approvalId,
          agentId: victim.id,
          agentName: victim.name,
          endpointId: 'organizations.delete',
          method: 'DELETE',
          path: '/organizations/org_victim',
          digest: '0'.repeat(64),
          policyVersion: victim.updatedAt,
          selector: 'destructive',
          required: 1,
          status: 'pending',
          decisions: [],
          request: {},
          requestId: 'req_security',
          createdAt: new Date().toISOString(),
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          usedAt: null,
          revision: 0,
        },
      },
    ],
    [],
    sealRecord,
  );
  return {
    app,
    port: typeof address === 'object' && address ? address.port : 0,
    store,
    agents,
    adminToken: token.generated ?? '',
    sessions,
    agentToken,
    operatorTokens,
    approvalId,
    lateRoutesCalled: () => lateCalls,
    async close() {
      await app.close();
      await audit.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What an attack could change: agents (with their grants and tokens), subscriptions, the audit chain's head. */
const shadows = new WeakMap<Store, ShadowPolicy>();

export async function stateOf(world: AdminWorld): Promise<unknown> {
  const agents = await world.store.listAgents();
  return {
    shadow: shadows.get(world.store)?.state(),
    agents: await Promise.all(
      agents.map(async (agent) => ({
        name: agent.name,
        grants: agent.grants,
        enabled: agent.enabled,
        updatedAt: agent.updatedAt,
        tokens: (await world.store.listTokens(agent.id)).map((token) => [token.id, token.revokedAt]),
      })),
    ),
    subscriptions: (await world.store.webhooks.listSubscriptions()).map((s) => [s.id, s.url, s.secret]),
    operators: (await world.store.listOperators()).map((o) => [o.name, o.role, o.revokedAt]),
    freezes: await world.store.listFreezes(),
    approvals: (await world.store.listApprovals()).map((a) => [a.id, a.status, a.revision]),
    audit: await world.store.auditBounds(),
  };
}
