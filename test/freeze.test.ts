import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildAdminServer, ensureAdminToken } from '../src/admin/index.js';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import { createScratchDatabase, type ScratchDatabase } from '../src/store/index.js';
import { type Harness, startHarness } from './support/harness.js';
import { type BollardProcess, runCli, startBollardProcess } from './support/processes.js';

// CLI runs and `bollard start` are child processes (about 1 s each, more on a busy machine).
vi.setConfig({ testTimeout: 120_000 });

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** What the official SDK throws for a Bollard refusal: the status and the WorkOS-shaped body. */
async function refusal(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as { status?: number; code?: string; message?: string; rawData?: Record<string, unknown> } | null;
  return { status: error?.status, code: error?.code, message: error?.message, body: error?.rawData };
}

describe('the kill switch, through the CLI and the official SDK', () => {
  let h: Harness;
  let admin: FastifyInstance;
  let env: Record<string, string>;
  let opsToken: string;
  let otherToken: string;

  beforeAll(async () => {
    h = await startHarness();
    const adminToken = await ensureAdminToken({ dataDir: h.dataDir });
    admin = await buildAdminServer({
      store: h.app.store,
      agents: h.app.agents,
      freezes: h.app.freezes,
      adminTokenHash: adminToken.hash,
    });
    await admin.listen({ port: 0, host: '127.0.0.1' });
    const address = admin.server.address();
    env = {
      BOLLARD_ADMIN_URL: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
      BOLLARD_ADMIN_TOKEN: adminToken.generated ?? '',
    };
    opsToken = await h.agent('ops-bot', ['organizations:write']);
    otherToken = await h.agent('other-bot', ['organizations:write']);
  });

  afterAll(async () => {
    await admin?.close();
    await h?.close();
  });

  it('bollard freeze --agent refuses its calls with 403 frozen and the reason; nothing reaches WorkOS; recorded', async () => {
    const ops = h.sdk(opsToken);
    await ops.organizations.listOrganizations();
    const frozen = await runCli(['freeze', '--agent', 'ops-bot', '--reason', 'incident 42'], env);
    expect(frozen.code, frozen.stderr).toBe(0);
    expect(frozen.stdout).toMatch(/^Frozen: agent ops-bot, by admin at \S+: incident 42/);
    await h.clearEmulatorRequests();

    const refused = await refusal(ops.organizations.listOrganizations());
    expect(refused).toMatchObject({
      status: 403,
      code: 'frozen',
      body: { scope: 'agent', writes_only: false, frozen_reason: 'incident 42', frozen_by: 'admin' },
    });
    expect(refused.message).toContain("Agent 'ops-bot' is frozen by operator 'admin'");
    expect(refused.message).toContain('bollard unfreeze --agent ops-bot');
    // Another agent goes on.
    await h.sdk(otherToken).organizations.listOrganizations();
    const upstream = await h.emulatorRequests();
    expect(upstream.map((r) => r.headers.authorization)).toHaveLength(1);

    await h.app.audit.flush();
    const [denied] = await h.app.store.queryAudit({ kind: 'call', decision: 'deny', limit: 1 });
    expect(denied).toMatchObject({
      agentName: 'ops-bot',
      reason: 'frozen',
      rule: 'freeze:agent:ops-bot',
      status: 403,
    });
    const [record] = await h.app.store.queryAudit({ kind: 'admin', limit: 1 });
    expect(record).toMatchObject({ reason: 'freeze.set', rule: 'admin:admin', agentName: 'ops-bot' });

    const lifted = await runCli(['unfreeze', '--agent', 'ops-bot'], env);
    expect(lifted.code, lifted.stderr).toBe(0);
    await ops.organizations.listOrganizations();
  });

  it('bollard freeze --all --writes-only lets reads through and refuses every agent’s writes; --list shows it', async () => {
    const frozen = await runCli(['freeze', '--all', '--writes-only', '--reason', 'migration window'], env);
    expect(frozen.code, frozen.stderr).toBe(0);
    const listed = await runCli(['freeze', '--list'], env);
    expect(listed.stdout).toMatch(/all agents\s+yes\s+admin\s+\S+\s+migration window/);

    for (const token of [opsToken, otherToken]) {
      const sdk = h.sdk(token);
      await sdk.organizations.listOrganizations();
      const refused = await refusal(sdk.organizations.createOrganization({ name: 'Blocked Inc' }));
      expect(refused).toMatchObject({
        status: 403,
        code: 'frozen',
        body: { scope: 'all', writes_only: true },
      });
      expect(refused.message).toContain('All agents are frozen for writes');
    }
    expect((await runCli(['unfreeze', '--all'], env)).code).toBe(0);
    await h.sdk(opsToken).organizations.createOrganization({ name: 'Allowed Inc' });
  });

  it('says what to do when the target is missing or unknown', async () => {
    const missing = await runCli(['freeze'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('say what to freeze: --agent NAME or --all');
    const unknown = await runCli(['freeze', '--agent', 'nobody'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no agent 'nobody'");
    const nothing = await runCli(['unfreeze', '--all'], env);
    expect(nothing.stderr).toContain('no freeze on every agent');
  });
});

describe.skipIf(process.env.STORES === 'sqlite')(
  'a freeze on one replica reaches the other (PostgreSQL)',
  () => {
    const ADMIN_TOKEN = `boladm_freeze_test_${Math.random().toString(36).slice(2)}`;
    let emulator: RunningEmulator;
    let database: ScratchDatabase;
    let replicas: BollardProcess[] = [];
    const dirs: string[] = [];

    beforeAll(async () => {
      emulator = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
      database = await createScratchDatabase(DATABASE_URL);
      replicas = await Promise.all(
        [0, 1].map(() => {
          const dir = mkdtempSync(path.join(tmpdir(), 'bollard-freeze-'));
          dirs.push(dir);
          return startBollardProcess({
            WORKOS_API_KEY: emulator.apiKey,
            BOLLARD_UPSTREAM: emulator.url,
            DATABASE_URL: database.url,
            BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
            BOLLARD_DATA_DIR: dir,
            BOLLARD_LOG_LEVEL: 'warn',
          });
        }),
      );
    }, 60_000);

    afterAll(async () => {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await database?.drop();
      await emulator?.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    async function adminCall(replica: BollardProcess, method: string, url: string, body?: unknown) {
      const response = await fetch(`${replica.adminUrl}/api/v1${url}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(response.ok, await response.clone().text()).toBe(true);
      return response.json() as Promise<Record<string, unknown>>;
    }

    it('replica B refuses the frozen agent within a second of the freeze committing on replica A', async () => {
      const [a, b] = replicas as [BollardProcess, BollardProcess];
      const { token } = (await adminCall(a, 'POST', '/agents', {
        name: 'ops-bot',
        grants: ['organizations:read'],
      })) as {
        token: string;
      };
      const call = async () =>
        (await fetch(`${b.proxyUrl}/organizations`, { headers: { authorization: `Bearer ${token}` } }))
          .status;
      expect(await call()).toBe(200);

      // B is called without pause from before the freeze until it refuses; each answer is stamped.
      const answers: { status: number; at: number }[] = [];
      let stop = false;
      const polling = (async () => {
        while (!stop) answers.push({ status: await call(), at: performance.now() });
      })();
      await vi.waitFor(() => expect(answers.length).toBeGreaterThan(3));
      await adminCall(a, 'POST', '/freezes', { agent: 'ops-bot', reason: 'incident 7' });
      const committedAt = performance.now();
      await vi.waitFor(() => expect(answers.at(-1)?.status).toBe(403), { timeout: 10_000, interval: 5 });
      stop = true;
      await polling;
      const firstRefusal = answers.find((answer) => answer.status === 403)!;
      const lastAllowed = answers.filter((answer) => answer.status === 200).at(-1)!;
      const propagationMs = Math.max(0, firstRefusal.at - committedAt);
      console.log(
        `freeze on replica A → first 403 frozen on replica B: ${propagationMs.toFixed(1)} ms after A answered (last 200 on B ${(lastAllowed.at - committedAt).toFixed(1)} ms after; ${answers.length} calls polled)`,
      );
      // Every answer after the first refusal is a refusal too: the freeze does not flicker.
      expect(answers.slice(answers.indexOf(firstRefusal)).every((answer) => answer.status === 403)).toBe(
        true,
      );
      const body = (await (
        await fetch(`${b.proxyUrl}/organizations`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as Record<string, unknown>;
      expect(body).toMatchObject({ code: 'frozen', frozen_reason: 'incident 7' });

      await adminCall(b, 'DELETE', '/freezes/agents/ops-bot');
      await vi.waitFor(async () => expect(await call()).toBe(200), { timeout: 10_000, interval: 5 });
    });
  },
);
