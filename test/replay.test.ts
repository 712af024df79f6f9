import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildAdminServer, ensureAdminToken } from '../src/admin/index.js';
import { type Harness, startHarness } from './support/harness.js';
import { runCli } from './support/processes.js';

vi.setConfig({ testTimeout: 120_000 });

/**
 * A recorded history of 1,235 real calls through Bollard from three agents (known counts per endpoint),
 * then a stricter policy file replayed against it and a suggestion for an over-granted agent.
 */
const TRAFFIC = [
  { agent: 'support-bot', target: '/user_management/users?limit=1', count: 400 },
  { agent: 'support-bot', target: '/organizations?limit=1', count: 200 },
  { agent: 'ops-bot', target: '/organizations?limit=1', count: 300 },
  { agent: 'ops-bot', target: 'POST /organizations', count: 100 },
  { agent: 'ops-bot', target: '/user_management/users?limit=1', count: 50 },
  { agent: 'report-bot', target: '/user_management/users?limit=1', count: 150 },
  // Denied then (report-bot may not read organizations): a looser file would newly allow these.
  { agent: 'report-bot', target: '/organizations?limit=1', count: 30 },
];

describe('policy replay and least-privilege suggestions over recorded traffic', () => {
  let h: Harness;
  let admin: FastifyInstance;
  let env: Record<string, string>;
  const tokens: Record<string, string> = {};

  async function call(agent: string, target: string): Promise<number> {
    const [method, path] = target.startsWith('POST ') ? ['POST', target.slice(5)] : ['GET', target];
    const response = await fetch(`${h.proxyUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[agent]}`, 'content-type': 'application/json' },
      body:
        method === 'POST'
          ? JSON.stringify({ name: `Org ${Math.random().toString(36).slice(2)}` })
          : undefined,
    });
    const body = (await response.json()) as { id?: string };
    if (method === 'POST' && body.id) created.push(body.id);
    return response.status;
  }
  const created: string[] = [];

  beforeAll(async () => {
    // Rate limits off: the history is what matters here, not WorkOS's limits.
    h = await startHarness({ config: { rateLimits: 'off' } });
    const adminToken = await ensureAdminToken({ dataDir: h.dataDir });
    admin = await buildAdminServer({
      store: h.app.store,
      agents: h.app.agents,
      adminTokenHash: adminToken.hash,
    });
    await admin.listen({ port: 0, host: '127.0.0.1' });
    const address = admin.server.address();
    env = {
      BOLLARD_ADMIN_URL: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
      BOLLARD_ADMIN_TOKEN: adminToken.generated ?? '',
    };
    tokens['support-bot'] = await h.agent('support-bot', ['users:read', 'organizations:read']);
    tokens['ops-bot'] = await h.agent('ops-bot', [
      'organizations:write',
      'users:write',
      'sso:write',
      'directory_sync:read',
    ]);
    tokens['report-bot'] = await h.agent('report-bot', ['users:read']);
    const jobs = TRAFFIC.flatMap(({ agent, target, count }) =>
      Array.from({ length: count }, () => ({ agent, target })),
    );
    const statuses: Record<string, number> = {};
    for (let i = 0; i < jobs.length; i += 16) {
      const answers = await Promise.all(jobs.slice(i, i + 16).map((job) => call(job.agent, job.target)));
      for (const status of answers) statuses[status] = (statuses[status] ?? 0) + 1;
    }
    // Five irreversible deletes by ops-bot, for the approvals a suggestion should propose.
    for (const id of created.slice(0, 5)) {
      const response = await fetch(`${h.proxyUrl}/organizations/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${tokens['ops-bot']}` },
      });
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    }
    expect(statuses).toEqual({ 200: 1100, 201: 100, 202: 5, 403: 30 });
    // The 30 denials are one kind: past the first of the second, they are counted into an aggregate.
    await h.app.agentDenials.flush();
    await h.app.audit.flush();
  });

  afterAll(async () => {
    await admin?.close();
    await h?.close();
  });

  it('replays 1,235 calls against a stricter file: the exact would-deny counts per agent, the newly allowed, exit 1', async () => {
    const file = join(h.dataDir, 'stricter.yaml');
    writeFileSync(
      file,
      [
        'agents:',
        '  - name: support-bot',
        '    grants: [users:read]',
        '  - name: ops-bot',
        '    grants: [organizations:read, users:write]',
        '  - name: report-bot',
        '    grants: [users:read, organizations:read]',
        '',
      ].join('\n'),
    );
    const json = await runCli(['policy', 'replay', file, '--since', '1d', '--json'], env);
    expect(json.code, json.stderr).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.calls).toBe(1235);
    const view = Object.fromEntries(
      report.agents.map((a: Record<string, { endpoint: string; count: number }[]>) => [
        a.agent,
        Object.fromEntries(
          (['wouldDeny', 'wouldNeedApproval', 'newlyAllowed'] as const).map((k) => [
            k,
            a[k].map((c) => `${c.endpoint} ×${c.count}`),
          ]),
        ),
      ]),
    );
    expect(view).toEqual({
      'ops-bot': {
        wouldDeny: ['organizations.create ×100', 'organizations.delete ×5'],
        wouldNeedApproval: [],
        newlyAllowed: [],
      },
      'report-bot': { wouldDeny: [], wouldNeedApproval: [], newlyAllowed: ['organizations.list ×30'] },
      'support-bot': { wouldDeny: ['organizations.list ×200'], wouldNeedApproval: [], newlyAllowed: [] },
    });
    expect(report.summary).toEqual({ wouldDeny: 305, wouldNeedApproval: 0, newlyAllowed: 30 });
    console.log(`replay over ${report.calls} recorded calls: ${JSON.stringify(report.summary)}`);

    const text = await runCli(['policy', 'replay', file, '--since', '1d'], env);
    expect(text.stdout).toContain('support-bot: 200 calls would now be DENIED');
    expect(text.stdout).toMatch(/GET \/organizations\s+organizations\.list\s+200/);
    expect(text.stdout).toContain('305 allowed calls would be denied');

    // The policy that runs now, with approvals on ops-bot's deletes, denies nothing: exit 0.
    const same = join(h.dataDir, 'same.yaml');
    writeFileSync(
      same,
      [
        'agents:',
        '  - name: support-bot',
        '    grants: [users:read, organizations:read]',
        '  - name: ops-bot',
        '    grants: [organizations:write, users:write]',
        '    approve: [destructive]',
        '  - name: report-bot',
        '    grants: [users:read]',
        '',
      ].join('\n'),
    );
    const kept = JSON.parse((await runCli(['policy', 'replay', same, '--json'], env)).stdout);
    expect(kept.summary).toEqual({ wouldDeny: 0, wouldNeedApproval: 5, newlyAllowed: 0 });
  });

  it('suggests the minimal grants for the over-granted agent, its unused grants and the approvals its deletes need', async () => {
    const result = await runCli(['agents', 'suggest', 'ops-bot', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const suggestion = JSON.parse(result.stdout);
    expect(suggestion).toMatchObject({
      calls: 455,
      current: ['directory_sync:read', 'organizations:write', 'sso:write', 'users:write'],
      grants: ['organizations:write', 'users:read'],
      unused: ['directory_sync:read', 'sso:write', 'users:write'],
      approve: ['destructive'],
    });
    const text = await runCli(['agents', 'suggest', 'ops-bot'], env);
    expect(text.stdout).toContain(
      [
        '   - name: ops-bot',
        '     grants:',
        '-      - directory_sync:read',
        '       - organizations:write',
        '-      - sso:write',
        '+      - users:read',
        '-      - users:write',
        '+    approve:',
        '+      - destructive',
      ].join('\n'),
    );
  });
});
