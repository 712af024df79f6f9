import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import { type BollardProcess, runCli, startBollardProcess } from './support/processes.js';

vi.setConfig({ testTimeout: 120_000 });

const ADMIN_TOKEN = `boladm_shadow_test_${Math.random().toString(36).slice(2)}`;

describe('bollard start --shadow-policy: a proposed policy evaluated beside the enforced one', () => {
  let emulator: RunningEmulator;
  let bollard: BollardProcess;
  let dir: string;
  let token: string;
  const env = () => ({ BOLLARD_ADMIN_URL: bollard.adminUrl, BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN });

  async function admin(method: string, url: string, body?: unknown) {
    const response = await fetch(`${bollard.adminUrl}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }
  const call = async (target: string) =>
    (await fetch(`${bollard.proxyUrl}${target}`, { headers: { authorization: `Bearer ${token}` } })).status;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
    dir = mkdtempSync(path.join(tmpdir(), 'bollard-shadow-'));
    const file = path.join(dir, 'proposed.yaml');
    // The proposal takes organizations away from support-bot and would hold user reads for approval.
    writeFileSync(
      file,
      'agents:\n  - name: support-bot\n    grants: [users:read]\n    approve: [users:read]\n',
    );
    bollard = await startBollardProcess(
      {
        WORKOS_API_KEY: emulator.apiKey,
        BOLLARD_UPSTREAM: emulator.url,
        BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
        BOLLARD_DATA_DIR: dir,
        BOLLARD_LOG_LEVEL: 'warn',
      },
      ['--shadow-policy', file],
    );
    token = (
      await admin('POST', '/agents', { name: 'support-bot', grants: ['users:read', 'organizations:read'] })
    ).json.token as string;
  }, 60_000);

  afterAll(async () => {
    await bollard?.stop();
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enforcement is unchanged; records carry the would-be decision; logs --shadow-diff shows where they disagree', async () => {
    expect((await admin('GET', '/policy/shadow')).json).toMatchObject({
      active: true,
      agents: ['support-bot'],
    });
    expect(await call('/organizations?limit=1')).toBe(200);
    expect(await call('/user_management/users?limit=1')).toBe(200);
    expect(await call('/sso/connections?limit=1')).toBe(403);

    const diff = await runCli(['logs', '--shadow-diff', '--json'], env());
    expect(diff.code, diff.stderr).toBe(0);
    const differing = (JSON.parse(diff.stdout) as Record<string, unknown>[]).map((e) => [
      e.endpointId,
      e.decision,
      (e.details as { shadow: Record<string, unknown> }).shadow,
    ]);
    expect(differing).toEqual([
      ['organizations.list', 'allow', { decision: 'deny', rule: 'grant:organizations:none', agrees: false }],
      ['users.list', 'allow', { decision: 'approval', rule: 'approve:users:read', agrees: false }],
    ]);
    const text = await runCli(['logs', '--shadow-diff'], env());
    expect(text.stdout).toMatch(
      /support-bot\s+GET \/organizations\s+allow \(granted\)\s+deny \(grant:organizations:none\)/,
    );
    expect(text.stdout).toContain('2 of 4 entries disagree.');

    // Replaced through the admin API (validated like a plan), then stopped: records stop carrying it.
    const bad = await admin('POST', '/policy/shadow', {
      agents: [{ name: 'support-bot', grants: ['organisations:read'] }],
    });
    expect(bad.status).toBe(400);
    const set = await admin('POST', '/policy/shadow', {
      agents: [{ name: 'support-bot', grants: ['users:read', 'organizations:read'] }],
    });
    expect(set.json).toMatchObject({ active: true, source: 'admin API (admin)' });
    expect(await call('/organizations?limit=1')).toBe(200);
    const agreeing = JSON.parse((await runCli(['logs', '-n', '1', '--json'], env())).stdout) as Record<
      string,
      unknown
    >[];
    expect(agreeing[0]?.details).toMatchObject({ shadow: { decision: 'allow', agrees: true } });
    expect((await admin('DELETE', '/policy/shadow')).json).toMatchObject({ active: false });
  });
});
