import path from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAdminToken } from '../src/admin/admin-token.js';
import { buildAdminServer } from '../src/admin/index.js';
import { type Harness, startHarness } from './support/harness.js';
import { parseScrape } from './support/metrics.js';

const ADMIN_TOKEN = 'boladm_probe_test_token_0123456789';

describe('health and readiness probes', () => {
  let h: Harness;
  let admin: FastifyInstance;
  let adminUrl: string;
  beforeAll(async () => {
    // Readiness re-checks the store on every probe here, so an outage shows at once.
    h = await startHarness({ app: { readinessCacheMs: 0 } });
    admin = await buildAdminServer({
      store: h.app.store,
      agents: h.app.agents,
      adminTokenHash: hashAdminToken(ADMIN_TOKEN),
      readiness: h.app.readiness,
      metrics: h.app.metrics,
    });
    adminUrl = await admin.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await admin.close();
    await h.close();
  });

  const auditSeq = async () => (await h.app.store.auditBounds()).lastSeq;

  it('answers /healthz and /readyz on the proxy port without a token, audits nothing and forwards nothing', async () => {
    await h.app.audit.flush();
    await h.clearEmulatorRequests();
    const seqBefore = await auditSeq();
    // A load balancer's loop: both probes, GET and HEAD, many times over.
    for (let i = 0; i < 25; i++) {
      for (const probe of ['/healthz', '/readyz']) {
        const got = await fetch(`${h.proxyUrl}${probe}`);
        expect(got.status).toBe(200);
        const head = await fetch(`${h.proxyUrl}${probe}`, { method: 'HEAD' });
        expect(head.status).toBe(200);
      }
    }
    expect(await (await fetch(`${h.proxyUrl}/readyz`)).json()).toEqual({
      status: 'ready',
      ready: true,
      checks: { store: true, upstream: true, policy: true },
    });
    await h.app.audit.flush();
    expect(await auditSeq()).toBe(seqBefore);
    expect(await h.emulatorRequests()).toEqual([]);
    // Only the exact paths are Bollard's: anything else still goes through authentication.
    expect((await fetch(`${h.proxyUrl}/readyz/x`)).status).toBe(401);
    expect((await fetch(`${h.proxyUrl}/healthz?verbose=1`)).status).toBe(200);
  });

  it('is not ready while the audit store cannot write, and ready again once it can', async () => {
    const saboteur = new Database(path.join(h.dataDir, 'bollard.db'));
    saboteur.exec(
      "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    try {
      for (const url of [`${h.proxyUrl}/readyz`, `${adminUrl}/readyz`]) {
        const down = await fetch(url);
        expect(down.status).toBe(503);
        expect(await down.json()).toMatchObject({
          status: 'unavailable',
          ready: false,
          checks: { store: false },
        });
      }
      // Liveness is not readiness: the process is alive and says so.
      expect((await fetch(`${h.proxyUrl}/healthz`)).status).toBe(200);
      const scraped = parseScrape(await h.app.metrics!.registry.metrics());
      expect(scraped.value('bollard_ready')).toBe(0);
    } finally {
      saboteur.exec('DROP TRIGGER refuse_audit');
      saboteur.close();
    }
    expect((await fetch(`${h.proxyUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${adminUrl}/readyz`)).status).toBe(200);
    expect(parseScrape(await h.app.metrics!.registry.metrics()).value('bollard_ready')).toBe(1);
  });

  it('serves the probes on the admin port too, keeps /health, and guards /metrics with the admin token', async () => {
    expect((await fetch(`${adminUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${adminUrl}/health`)).status).toBe(200);
    expect((await fetch(`${adminUrl}/metrics`)).status).toBe(401);
    const agentToken = await h.agent('not-admin', ['organizations:read']);
    const withAgent = await fetch(`${adminUrl}/metrics`, {
      headers: { authorization: `Bearer ${agentToken}` },
    });
    expect(withAgent.status).toBe(401);
    const scraped = await fetch(`${adminUrl}/metrics`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    expect(await scraped.text()).toContain('# TYPE bollard_calls_total counter');
  });
});
