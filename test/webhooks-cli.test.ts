import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildAdminServer, ensureAdminToken } from '../src/admin/index.js';
import { createAgentService } from '../src/agents/index.js';
import { AuditWriter, sealRecord } from '../src/audit/index.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { standaloneWebhookService } from './support/webhook-service.js';

// Each CLI run is a fresh Node process (about 1 s of start-up, more on a busy machine).
vi.setConfig({ testTimeout: 180_000 });

const BIN = join(import.meta.dirname, '..', 'bin', 'bollard.js');
let dir: string;
let store: Store;
let audit: AuditWriter;
let admin: FastifyInstance;
let env: NodeJS.ProcessEnv;

function bollard(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bollard-webhooks-cli-'));
  store = await openStore({ kind: 'sqlite', path: dir });
  audit = new AuditWriter(store);
  const agents = createAgentService(store, { seal: sealRecord });
  await agents.create(
    { name: 'provisioner', grants: ['directory_sync:read'] },
    { kind: 'admin', name: 'test' },
  );
  await agents.create({ name: 'support', grants: ['users:read'] }, { kind: 'admin', name: 'test' });
  const token = await ensureAdminToken({ dataDir: dir });
  admin = await buildAdminServer({
    store,
    agents,
    webhooks: standaloneWebhookService(store, audit),
    adminTokenHash: token.hash,
  });
  const url = await admin.listen({ port: 0, host: '127.0.0.1' });
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    BOLLARD_ADMIN_URL: url,
    BOLLARD_ADMIN_TOKEN: token.generated ?? '',
  };
});

afterAll(async () => {
  await admin.close();
  await audit.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bollard webhooks', () => {
  it('subscribe prints the secret once; list shows only its hint; a refused subscription names the permission', async () => {
    const [subscribed, refused, badGrace] = await Promise.all([
      bollard(['webhooks', 'subscribe', 'provisioner', 'https://agent.example/hooks', '--events', 'dsync.*']),
      bollard([
        'webhooks',
        'subscribe',
        'support',
        'https://agent.example/hooks',
        '--events',
        'user.created,dsync.*',
      ]),
      bollard(['webhooks', 'rotate-secret', 'whs_x', '--grace', 'soon']),
    ]);
    expect(subscribed.code).toBe(0);
    const secret = /whsec_[A-Za-z0-9_-]{20,}/.exec(subscribed.stdout)?.[0];
    expect(secret).toBeDefined();
    expect(subscribed.stdout).toContain('shown once');

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('directory_sync:read');
    expect(badGrace.code).toBe(2);

    const listed = await bollard(['webhooks', 'list', '--agent', 'provisioner']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('dsync.*');
    expect(listed.stdout).not.toContain(String(secret));
    const id = /whs_[A-Za-z0-9_-]+/.exec(listed.stdout)?.[0] ?? '';

    const [rotated, deliveries] = await Promise.all([
      bollard(['webhooks', 'rotate-secret', id, '--grace', '1h', '--json']),
      bollard(['webhooks', 'deliveries', '--status', 'dead']),
    ]);
    expect(rotated.code).toBe(0);
    const body = JSON.parse(rotated.stdout) as {
      secret: string;
      subscription: { previousSecretExpiresAt: string };
    };
    expect(body.secret).not.toBe(secret);
    expect(body.subscription.previousSecretExpiresAt).not.toBeNull();
    expect(deliveries.stdout).toContain('No deliveries.');

    const removed = await bollard(['webhooks', 'unsubscribe', id]);
    expect(removed.code).toBe(0);
    expect(await store.webhooks.listSubscriptions()).toEqual([]);
  });
});
