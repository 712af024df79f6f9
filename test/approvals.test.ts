import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import { type BollardProcess, runCli, startBollardProcess } from './support/processes.js';

// `bollard start`, every CLI run and the SDK script are child processes (about 1 s each on a quiet machine).
vi.setConfig({ testTimeout: 120_000 });

const repo = path.resolve(import.meta.dirname, '..');
const ADMIN_TOKEN = `boladm_approvals_test_${Math.random().toString(36).slice(2)}`;

/**
 * An unmodified SDK script, as an agent's developer writes it: delete one organization through Bollard and
 * print what happened. Run as its own Node process.
 */
const SCRIPT = `
import { WorkOS } from '@workos-inc/node';
const url = new URL(process.env.BOLLARD_URL);
const workos = new WorkOS(process.env.AGENT_TOKEN, { apiHostname: url.hostname, port: Number(url.port), https: false });
try {
  await workos.organizations.deleteOrganization(process.env.ORG_ID);
  console.log(JSON.stringify({ deleted: true }));
} catch (error) {
  console.log(JSON.stringify({ status: error.status, code: error.code, message: error.message, body: error.rawData }));
}`;

interface ScriptResult {
  deleted?: boolean;
  status?: number;
  code?: string;
  message?: string;
  body?: Record<string, unknown>;
}

describe('an approval bound to one exact call: a real bollard start, the CLI, an SDK script', () => {
  let emulator: RunningEmulator;
  let bollard: BollardProcess;
  let dir: string;
  let token: string;
  let env: Record<string, string>;
  let orgs: string[];

  async function admin(method: string, url: string, body?: unknown) {
    const response = await fetch(`${bollard.adminUrl}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as Record<string, unknown>;
  }

  async function deleteOrganization(orgId: string): Promise<ScriptResult> {
    const { execFile } = await import('node:child_process');
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', SCRIPT],
        {
          cwd: repo,
          env: { ...process.env, BOLLARD_URL: bollard.proxyUrl, AGENT_TOKEN: token, ORG_ID: orgId },
        },
        (error, stdout, stderr) =>
          error ? reject(new Error(stderr)) : resolve(JSON.parse(stdout) as ScriptResult),
      );
    });
  }

  const deletes = async () =>
    (
      (await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as { method: string; path: string }[]
    ).filter((r) => r.method === 'DELETE');

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
    dir = mkdtempSync(path.join(tmpdir(), 'bollard-approvals-'));
    bollard = await startBollardProcess({
      WORKOS_API_KEY: emulator.apiKey,
      BOLLARD_UPSTREAM: emulator.url,
      BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
      BOLLARD_DATA_DIR: dir,
      BOLLARD_LOG_LEVEL: 'warn',
      // Answer approval_required at once: this suite approves between calls (the hold is tested below).
      BOLLARD_APPROVAL_WAIT_MS: '0',
      BOLLARD_APPROVAL_URL: 'https://console.example/approvals/{id}',
    });
    const created = await admin('POST', '/agents', {
      name: 'cleanup-bot',
      grants: ['organizations:write'],
      approve: ['destructive'],
    });
    token = created.token as string;
    const listed = (await (
      await fetch(`${bollard.proxyUrl}/organizations?limit=10`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { data: { id: string }[] };
    orgs = listed.data.map((org) => org.id);
    env = { BOLLARD_ADMIN_URL: bollard.adminUrl, BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN };
    const approver = JSON.parse(
      (await runCli(['operators', 'create', 'alice', '--role', 'approver', '--json'], env)).stdout,
    ) as { token: string };
    env = { ...env, BOLLARD_ADMIN_TOKEN: approver.token };
  }, 60_000);

  afterAll(async () => {
    await bollard?.stop();
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deleteOrganization gets approval_required; alice approves with the CLI; the identical retry deletes it; WorkOS sees exactly one DELETE', async () => {
    const orgId = orgs[0]!;
    const first = await deleteOrganization(orgId);
    expect(first).toMatchObject({
      status: 403,
      code: 'approval_required',
      body: {
        approval_status: 'pending',
        approvals_required: 1,
        approval_url: expect.stringMatching(/^https:\/\/console\.example\/approvals\/apr_/),
      },
    });
    const id = first.body?.approval_id as string;
    expect(first.message).toContain(`bollard approvals approve ${id}`);
    expect(await deletes()).toEqual([]);

    const pending = (await admin('GET', '/approvals?status=pending')).data as Record<string, unknown>[];
    expect(pending).toEqual([
      expect.objectContaining({ id, method: 'DELETE', path: `/organizations/${orgId}` }),
    ]);
    const shown = await runCli(['approvals', 'show', id], env);
    expect(shown.stdout).toContain('Permanently delete an organization. It cannot be undone.');

    const approved = await runCli(['approvals', 'approve', id, '--reason', 'ticket 1234'], env);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(
      `Approved ${id}: cleanup-bot may now make DELETE /organizations/${orgId} once`,
    );

    expect(await deleteOrganization(orgId)).toEqual({ deleted: true });
    expect((await deletes()).map((r) => r.path)).toEqual([`/organizations/${orgId}`]);

    // The decision and the call are recorded, each naming who: alice approved, the call used the approval.
    const audit = (await admin('GET', '/audit?limit=20')).data as Record<string, unknown>[];
    expect(audit.find((r) => r.reason === 'approval.approved')).toMatchObject({ rule: 'admin:alice' });
    // The first call: held (written ahead as pending_approval), then answered 403, both under the approval's id.
    const asked = await fetch(`${bollard.adminUrl}/api/v1/audit?limit=50`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const refusedFirst = ((await asked.json()) as { data: Record<string, unknown>[] }).data.find(
      (r) => r.reason === 'approval_required',
    );
    expect(refusedFirst).toMatchObject({ decision: 'deny', status: 403, details: { approvalId: id } });
    expect(audit.find((r) => r.rule === `approval:${id}`)).toMatchObject({
      decision: 'allow',
      reason: 'approved',
    });
  });

  it('a second identical call needs a new approval; a different call is not covered by the first one', async () => {
    const orgId = orgs[1]!;
    const first = await deleteOrganization(orgId);
    const id = first.body?.approval_id as string;
    await fetch(`${bollard.adminUrl}/api/v1/approvals/${id}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.BOLLARD_ADMIN_TOKEN}` },
    });
    expect(await deleteOrganization(orgId)).toEqual({ deleted: true });
    // Used once: the same call again asks anew (and reaches nothing).
    const again = await deleteOrganization(orgId);
    expect(again).toMatchObject({ status: 403, code: 'approval_required' });
    expect(again.body?.approval_id).not.toBe(id);
    // Another organization is another call: an approval for one never covers the other.
    const other = await deleteOrganization(orgs[2]!);
    expect(other).toMatchObject({ status: 403, code: 'approval_required' });
    expect((await deletes()).filter((r) => r.path === `/organizations/${orgId}`)).toHaveLength(1);
    expect((await deletes()).filter((r) => r.path === `/organizations/${orgs[2]}`)).toHaveLength(0);
  });

  it('denied with a reason: the identical call gets approval_denied with it; a viewer may not decide', async () => {
    const orgId = orgs[3]!;
    const id = (await deleteOrganization(orgId)).body?.approval_id as string;
    const viewer = JSON.parse(
      (
        await runCli(['operators', 'create', 'vic', '--role', 'viewer', '--json'], {
          ...env,
          BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
        })
      ).stdout,
    ) as { token: string };
    const refused = await runCli(['approvals', 'approve', id], { ...env, BOLLARD_ADMIN_TOKEN: viewer.token });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('it needs the approver role');

    const denied = await runCli(['approvals', 'deny', id, '--reason', 'use the staging org'], env);
    expect(denied.code, denied.stderr).toBe(0);
    const retry = await deleteOrganization(orgId);
    expect(retry).toMatchObject({
      status: 403,
      code: 'approval_denied',
      body: { approval_id: id, denied_by: 'alice', denial_reason: 'use the staging org' },
    });
    expect(retry.message).toContain("Operator 'alice' denied DELETE /organizations/");
    expect((await deletes()).filter((r) => r.path === `/organizations/${orgId}`)).toHaveLength(0);
  });
});
