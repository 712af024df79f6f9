import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildAdminServer, ensureAdminToken } from '../src/admin/index.js';
import { createAgentService } from '../src/agents/index.js';
import { sealRecord } from '../src/audit/index.js';
import { buildProgram } from '../src/cli/program.js';
import { openStore } from '../src/store/index.js';
import type { AuditDraft, Store } from '../src/store/types.js';
import { makeDraft } from './store-harness.js';

// Each CLI run is a fresh Node process (about 1 s of start-up, more on a busy machine): allow plenty.
vi.setConfig({ testTimeout: 180_000 });

const BIN = join(import.meta.dirname, '..', 'bin', 'bollard.js');
let dir: string;
let store: Store;
let app: FastifyInstance;
let env: NodeJS.ProcessEnv;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/bollard.js …` as a child process, as an operator would. */
function bollard(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A denied call as the gateway records it. */
function draft(requestId: string): AuditDraft {
  return makeDraft({
    time: new Date().toISOString(),
    requestId,
    agentId: null,
    agentName: 'cli-bot',
    endpointId: 'users.list',
    area: 'users',
    permission: 'users:read',
    decision: 'deny',
    reason: 'missing_permission',
    rule: 'grant:none',
    path: '/user_management/users',
    status: 403,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bollard-cli-'));
  store = await openStore({ kind: 'sqlite', path: dir });
  const admin = await ensureAdminToken({ dataDir: dir });
  app = await buildAdminServer({
    store,
    agents: createAgentService(store, { seal: sealRecord }),
    adminTokenHash: admin.hash,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    BOLLARD_ADMIN_URL: `http://127.0.0.1:${port}`,
    BOLLARD_ADMIN_TOKEN: admin.generated ?? '',
  };
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('help', () => {
  it('describes every command and gives every leaf command an example', () => {
    const program = buildProgram();
    const names = program.commands.map((command) => command.name());
    expect(names).toEqual(expect.arrayContaining(['agents', 'logs', 'audit', 'policy', 'catalog', 'start']));
    const mine = program.commands.filter((command) =>
      ['agents', 'logs', 'audit', 'policy'].includes(command.name()),
    );
    const leaves = (command: Command): Command[] =>
      command.commands.length === 0 ? [command] : command.commands.flatMap(leaves);
    const help = (command: Command) => {
      let text = '';
      command.configureOutput({ writeOut: (chunk) => (text += chunk) });
      command.outputHelp();
      return text;
    };
    for (const leaf of mine.flatMap(leaves)) {
      expect(leaf.description(), leaf.name()).not.toBe('');
      expect(help(leaf), `${leaf.parent?.name()} ${leaf.name()}`).toMatch(/Examples?:\n {2}bollard /);
    }
  });
});

describe('agents', () => {
  it('creates an agent, prints the token once with a warning, then lists, rotates, revokes', async () => {
    const created = await bollard([
      'agents',
      'create',
      'cli-bot',
      '--grant',
      'users:read,organizations:read',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('shown once');
    const token = /bol_[0-9A-Za-z]{49}/.exec(created.stdout)?.[0];
    expect(token).toBeDefined();

    const listed = await bollard(['agents', 'list']);
    expect(listed.stdout).toMatch(/NAME\s+STATUS\s+GRANTS/);
    expect(listed.stdout).toMatch(/cli-bot\s+active\s+organizations:read, users:read/);
    expect(listed.stdout).not.toContain(token);

    const rotated = await bollard(['agents', 'rotate', 'cli-bot', '--grace', '1h', '--json']);
    const body = JSON.parse(rotated.stdout);
    expect(body.token).not.toBe(token);
    expect(body.agent.tokens.filter((t: { active: boolean }) => t.active)).toHaveLength(2);

    const revoked = JSON.parse((await bollard(['agents', 'revoke', 'cli-bot', '--json'])).stdout);
    expect(revoked.tokens.some((t: { active: boolean }) => t.active)).toBe(false);
  });

  it('fails with exit 1 and a helpful message, and exit 2 on a wrong command line', async () => {
    const typo = await bollard(['agents', 'create', 'typo-bot', '--grant', 'organisation:read']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("unknown area 'organisation' — did you mean 'organizations'?");
    expect((await bollard(['agents', 'create'])).code).toBe(2);
    const refused = await bollard(['agents', 'list'], { BOLLARD_ADMIN_URL: 'http://127.0.0.1:7699' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'cannot reach the Bollard admin API at http://127.0.0.1:7699 (ECONNREFUSED)',
    );
    expect(refused.stderr).toContain('BOLLARD_ADMIN_URL');
    const unauthorized = await bollard(['agents', 'list'], { BOLLARD_ADMIN_TOKEN: 'boladm_wrong' });
    expect(unauthorized).toMatchObject({ code: 1 });
    expect(unauthorized.stderr).toContain('BOLLARD_ADMIN_TOKEN');
  });
});

describe('logs', () => {
  it('shows entries as a table and as JSON with filters', async () => {
    await store.appendAudit([draft('req_cli_1')], sealRecord);
    const table = await bollard(['logs', '--decision', 'deny', '--since', '10m']);
    expect(table.stdout).toMatch(
      /cli-bot\s+deny\s+403\s+GET\s+\/user_management\/users\s+missing_permission/,
    );
    const json = JSON.parse((await bollard(['logs', '--json', '--area', 'users'])).stdout);
    expect(json.map((entry: { requestId: string }) => entry.requestId)).toContain('req_cli_1');
  });

  it('--follow shows a call made after it started', async () => {
    const child: ChildProcess = spawn(process.execPath, [BIN, 'logs', '--follow', '--json'], { env });
    let out = '';
    let err = '';
    const waitFor = (read: () => string, text: string) =>
      new Promise<void>((resolve) => {
        const check = () => read().includes(text) && resolve();
        child.stdout?.on('data', check);
        child.stderr?.on('data', check);
        check();
      });
    child.stdout?.on('data', (chunk) => (out += chunk));
    child.stderr?.on('data', (chunk) => (err += chunk));
    try {
      await waitFor(() => err, 'Following the audit log'); // the stream is open: its start is fixed
      const appendedAt = Date.now();
      await store.appendAudit([draft('req_followed')], sealRecord);
      await waitFor(() => out, 'req_followed');
      console.log(`logs --follow: call shown ${Date.now() - appendedAt} ms after it was recorded`);
      expect(JSON.parse(out.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ requestId: 'req_followed' });
    } finally {
      child.kill();
    }
  });
});

describe('audit export and verify', () => {
  it('round-trips a few thousand records, and catches a tampered export', async () => {
    const drafts = Array.from({ length: 3000 }, (_, i) => draft(`req_bulk_${i}`));
    for (let i = 0; i < drafts.length; i += 500)
      await store.appendAudit(drafts.slice(i, i + 500), sealRecord);
    const file = join(dir, 'audit.jsonl');
    const exported = await bollard(['audit', 'export', '--output', file]);
    expect(exported.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3000);

    const verified = await bollard(['audit', 'verify', '--file', file]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`${lines.length} records verified`);

    const victim = 1500;
    const record = JSON.parse(lines[victim] ?? '{}');
    lines[victim] = JSON.stringify({ ...record, status: 200, decision: 'allow' });
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(tampered, `${lines.join('\n')}\n`);
    const caught = await bollard(['audit', 'verify', '--file', tampered]);
    expect(caught.code).toBe(1);
    expect(caught.stderr).toContain(`audit chain broken at seq ${record.seq}`);
  });
});

describe('policy', () => {
  it('validate reports all three mistakes with line:column and exits 1', async () => {
    const file = join(dir, 'mistakes.yaml');
    writeFileSync(
      file,
      [
        'agents:',
        '  - name: support-bot',
        '    grants: [users:read, organisation:read]',
        '  - name: provisioner',
        '    grants: [users:maybe]',
        '    expires: 2001-01-01',
        '',
      ].join('\n'),
    );
    const result = await bollard(['policy', 'validate', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}:3:26 unknown area 'organisation' — did you mean 'organizations'?`,
    );
    expect(result.stderr).toContain(`${file}:5:14 unknown access level 'maybe'`);
    expect(result.stderr).toContain(`${file}:6:14 expiry is in the past`);
  });

  it('plan shows gained and lost permissions and risky grants; apply prints new tokens once', async () => {
    const file = join(dir, 'bollard.yaml');
    writeFileSync(
      file,
      'agents:\n  - name: cli-bot\n    grants: [users:write]\n  - name: auditor\n    grants: [audit_logs:read]\n',
    );
    const plan = await bollard(['policy', 'plan', file]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('~ update cli-bot (grants)');
    expect(plan.stdout).toContain('    + users:write');
    expect(plan.stdout).toContain('    - organizations:read');
    expect(plan.stdout).toMatch(/! warning: users:write: write access on users/);
    expect(plan.stdout).toContain('+ create auditor');

    const applied = await bollard(['policy', 'apply', file]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Applied.');
    expect(applied.stdout).toMatch(/Token of auditor \(shown once[^\n]*\n\n {2}bol_/);
    expect((await store.listAgents()).map((agent) => agent.name).sort()).toEqual(['auditor', 'cli-bot']);
  });
});
