import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BollardProcess, startBollardProcess } from './support/processes.js';

// Each CLI run is a fresh Node process: allow for a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const REPO = join(import.meta.dirname, '..');
const BIN = join(REPO, 'bin', 'bollard.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let bollard: BollardProcess;
let dataDir: string;
let adminToken: string;

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const base = { ...process.env };
  for (const name of Object.keys(base)) if (name.startsWith('BOLLARD_')) delete base[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...base, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function sh(command: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', ['-o', 'pipefail', '-c', command], { cwd: REPO }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bollard-cli-errors-'));
  bollard = await startBollardProcess({ BOLLARD_DATA_DIR: dataDir });
  adminToken = bollard.output().match(/Admin token \(shown once\)\s+(\S+)/)![1]!;
});

afterAll(async () => {
  await bollard?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the CLI says what to do when it is pointed at the wrong place', () => {
  it('an admin URL without a scheme is a usage error that shows the fix', async () => {
    const hostPort = bollard.adminUrl.replace('http://', '');
    const run = await cli(['agents', 'list'], {
      BOLLARD_ADMIN_URL: hostPort,
      BOLLARD_ADMIN_TOKEN: adminToken,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Add the scheme: BOLLARD_ADMIN_URL=http://${hostPort}`);
  });

  it('an admin URL that already ends in /api/v1 works rather than doubling the prefix', async () => {
    const run = await cli(['agents', 'list'], {
      BOLLARD_ADMIN_URL: `${bollard.adminUrl}/api/v1/`,
      BOLLARD_ADMIN_TOKEN: adminToken,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('support-bot');
  });

  it('pointed at the proxy port, it says so and names the admin port', async () => {
    const run = await cli(['agents', 'list'], {
      BOLLARD_ADMIN_URL: bollard.proxyUrl,
      BOLLARD_ADMIN_TOKEN: adminToken,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is Bollard's proxy port (for agents), not its admin API");
    expect(run.stderr).not.toContain('well-formed');
  });

  it('an unknown filter value is a usage error with a suggestion, not "No matching entries"', async () => {
    const env = { BOLLARD_ADMIN_URL: bollard.adminUrl, BOLLARD_ADMIN_TOKEN: adminToken };
    const area = await cli(['logs', '--area', 'user'], env);
    expect(area.code).toBe(2);
    expect(area.stderr).toContain("unknown --area 'user' — did you mean 'users'?");
    const endpoint = await cli(['logs', '--endpoint', 'organizations.delet'], env);
    expect(endpoint.code).toBe(2);
    expect(endpoint.stderr).toContain("did you mean 'organizations.delete'?");
    const status = await cli(['logs', '--status', 'forbidden'], env);
    expect(status.code).toBe(2);
  });

  it('validation errors name the flag or argument, never an admin-API path', async () => {
    const env = { BOLLARD_ADMIN_URL: bollard.adminUrl, BOLLARD_ADMIN_TOKEN: adminToken };
    const grants = await cli(
      ['agents', 'create', 'typo-bot', '--grant', 'organisation:read,users:admin'],
      env,
    );
    expect(grants.code).toBe(1);
    expect(grants.stderr).toContain("--grant: unknown area 'organisation' — did you mean 'organizations'?");
    expect(grants.stderr).toContain("--grant: unknown access level 'admin' in 'users:admin'");
    const name = await cli(['agents', 'create', 'Bad Name', '--grant', 'users:read'], env);
    expect(name.stderr).toMatch(/^error: NAME: lowercase letters/m);
    const url = await cli(
      ['webhooks', 'subscribe', 'support-bot', 'not-a-url', '--events', 'user.created'],
      env,
    );
    expect(url.stderr).toMatch(/^error: URL: /m);
    for (const run of [grants, name, url]) expect(run.stderr).not.toMatch(/body\.|grants\[\d\]/);
  });

  it('with --json, a failure is a JSON document on stdout too', async () => {
    const run = await cli(['agents', 'show', 'no-such-agent', '--json'], {
      BOLLARD_ADMIN_URL: bollard.adminUrl,
      BOLLARD_ADMIN_TOKEN: adminToken,
    });
    expect(run.code).toBe(1);
    const parsed = JSON.parse(run.stdout) as { error: { message: string; exitCode: number } };
    expect(parsed.error.message).toMatch(/no-such-agent/);
    expect(parsed.error.exitCode).toBe(1);
  });

  it('bollard start refuses a non-http upstream and names settings the way a person sets them', async () => {
    const run = await cli(['start', '--upstream', 'ftp://x', '--port', '0', '--admin-port', '0'], {
      WORKOS_API_KEY: 'sk_test_x',
      BOLLARD_ADMIN_TOKEN: 'short',
      BOLLARD_DATA_DIR: dataDir,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--upstream / BOLLARD_UPSTREAM: must be an http:// or https:// URL');
    expect(run.stderr).toContain('BOLLARD_ADMIN_TOKEN');
    expect(run.stderr).not.toContain('--admin-token');
  });

  it('`catalog | head` ends quietly when the reader goes away', async () => {
    const run = await sh(`node ${BIN} catalog --json | head -c 20`);
    expect(run.stderr).not.toMatch(/EPIPE|Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toHaveLength(20);
  });
});

describe('one shape for grants, policy as code', () => {
  const env = () => ({ BOLLARD_ADMIN_URL: bollard.adminUrl, BOLLARD_ADMIN_TOKEN: adminToken });

  async function admin(method: string, path: string, body?: unknown) {
    const response = await fetch(`${bollard.adminUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('`agents show --json` posted back to the admin API is accepted and changes nothing', async () => {
    const shown = await cli(['agents', 'show', 'provisioner', '--json'], env());
    expect(shown.code).toBe(0);
    const agent = JSON.parse(shown.stdout) as Record<string, unknown>;
    expect(agent.grants).toEqual(['organization_domains:write', 'organizations:write', 'users:write']);
    const before = await admin('GET', '/audit?limit=1');
    const patched = await admin('PATCH', '/agents/provisioner', agent);
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual(agent);
    const after = await admin('GET', '/audit?limit=1');
    expect(after.body).toEqual(before.body); // no admin record: nothing changed
    // The older map form is accepted on input too, and answered in the canonical list form.
    const map = await admin('PATCH', '/agents/provisioner', {
      grants: { users: 'write', organizations: 'write', organization_domains: 'write' },
    });
    expect(map.body.grants).toEqual(agent.grants);
    // A view of another agent is not a way to rename this one.
    const other = await admin('PATCH', '/agents/provisioner', { ...agent, name: 'auditor' });
    expect(other.status).toBe(400);
  });

  it('--remove-grant AREA:write downgrades to read; an update with nothing to change is a usage error', async () => {
    const created = await cli(
      ['agents', 'create', 'downgrade-bot', '--grant', 'users:write,sso:read', '--json'],
      env(),
    );
    expect(created.code).toBe(0);
    const updated = await cli(
      ['agents', 'update', 'downgrade-bot', '--remove-grant', 'users:write', '--json'],
      env(),
    );
    expect(JSON.parse(updated.stdout).grants).toEqual(['sso:read', 'users:read']);
    const removed = await cli(
      ['agents', 'update', 'downgrade-bot', '--remove-grant', 'sso', '--json'],
      env(),
    );
    expect(JSON.parse(removed.stdout).grants).toEqual(['users:read']);
    const nothing = await cli(['agents', 'update', 'downgrade-bot'], env());
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to change');
    expect((await cli(['agents', 'delete', 'downgrade-bot', '--yes'], env())).code).toBe(0);
  });

  it("--mcp-tools sets, shows, exports and resets an agent's MCP tool list; a wrong mode is a usage error", async () => {
    const created = await cli(
      ['agents', 'create', 'mcp-bot', '--grant', 'users:read', '--mcp-tools', 'compact', '--json'],
      env(),
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).agent.mcp).toEqual({ tools: 'compact' });
    expect((await cli(['agents', 'show', 'mcp-bot'], env())).stdout).toContain('mcp tools:   compact');

    const file = join(dataDir, 'mcp-export.yaml');
    expect((await cli(['policy', 'export', '--output', file], env())).code).toBe(0);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(file, 'utf8')).toMatch(/name: mcp-bot\n(.*\n)*? {4}mcp:\n {6}tools: compact\n/);
    const clean = await cli(['policy', 'plan', file, '--exit-code'], env());
    expect(clean.stdout).toContain('0 to create, 0 to update, 0 to delete');

    const wrong = await cli(['agents', 'update', 'mcp-bot', '--mcp-tools', 'some'], env());
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--mcp-tools 'some' is not one of full, compact, auto, default");
    const noDefaultOnCreate = await cli(
      ['agents', 'create', 'mcp-bot-2', '--grant', 'users:read', '--mcp-tools', 'default'],
      env(),
    );
    expect(noDefaultOnCreate.code).toBe(2);

    const full = await cli(['agents', 'update', 'mcp-bot', '--mcp-tools', 'full', '--json'], env());
    expect(JSON.parse(full.stdout).mcp).toEqual({ tools: 'full' });
    const reset = await cli(['agents', 'update', 'mcp-bot', '--mcp-tools', 'default'], env());
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('mcp tools:   default (server setting)');
    const shown = JSON.parse((await cli(['agents', 'show', 'mcp-bot', '--json'], env())).stdout);
    expect(shown.mcp).toEqual({ tools: null });
    expect((await cli(['agents', 'delete', 'mcp-bot', '--yes'], env())).code).toBe(0);
  });

  it('a call with a revoked token is recorded under the agent it belonged to, so logs --agent finds it', async () => {
    const created = await cli(
      ['agents', 'create', 'revoked-bot', '--grant', 'organizations:read', '--json'],
      env(),
    );
    const { token } = JSON.parse(created.stdout) as { token: string };
    expect((await cli(['agents', 'revoke', 'revoked-bot'], env())).code).toBe(0);
    const refused = await fetch(`${bollard.proxyUrl}/organizations`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refused.status).toBe(401);
    const requestId = refused.headers.get('x-bollard-request-id');
    await vi.waitFor(
      async () => {
        const logs = await cli(['logs', '--agent', 'revoked-bot', '--decision', 'deny', '--json'], env());
        const entries = JSON.parse(logs.stdout) as { requestId: string; reason: string }[];
        expect(entries.find((entry) => entry.requestId === requestId)?.reason).toBe('revoked_token');
      },
      { timeout: 20_000, interval: 200 },
    );
  });

  it('policy export → plan --exit-code: 0 with nothing pending, 2 after a change; plans name tokenless agents', async () => {
    const file = join(dataDir, 'exported.yaml');
    const exported = await cli(['policy', 'export', '--output', file], env());
    expect(exported.code).toBe(0);
    const clean = await cli(['policy', 'plan', file, '--exit-code'], env());
    expect(clean.stdout).toContain('0 to create, 0 to update, 0 to delete');
    expect(clean.code).toBe(0);

    await cli(['agents', 'revoke', 'auditor'], env());
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('audit_logs:read', 'audit_logs:write'));
    const pending = await cli(['policy', 'plan', file, '--exit-code'], env());
    expect(pending.code).toBe(2);
    expect(pending.stdout).toContain('~ update auditor (grants)');
    expect(pending.stdout).toContain('    + audit_logs:write');
    expect(pending.stdout).not.toContain('audit_logs:read'); // write includes read: one line, not two
    expect(pending.stdout).toContain('no active token (revoked or expired)');
  });
});

describe('bollard completion', () => {
  it('completes commands, subcommands and flags in bash from the command tree', async () => {
    const script = join(dataDir, 'completion.bash');
    const written = await cli(['completion', 'bash']);
    expect(written.code).toBe(0);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(script, written.stdout);
    const complete = (words: string[]) =>
      sh(
        `source ${script}; COMP_WORDS=(${words.join(' ')}); COMP_CWORD=${words.length - 1}; _bollard; echo "\${COMPREPLY[@]}"`,
      );
    expect((await complete(['bollard', 'ag'])).stdout.trim()).toBe('agents');
    expect((await complete(['bollard', 'agents', 'ro'])).stdout.trim()).toBe('rotate');
    expect((await complete(['bollard', 'policy', 'plan', 'x.yaml', '--ex'])).stdout.trim()).toBe(
      '--exit-code',
    );
    const fish = await cli(['completion', 'fish']);
    expect(fish.stdout).toContain("complete -c bollard -f -n '__fish_seen_subcommand_from agents' -a create");
    expect((await cli(['completion', 'tcsh'])).code).toBe(2);
  });
});

describe('bollard start --policy FILE: the file manages the agents', () => {
  let managed: BollardProcess;
  let managedDir: string;
  let file: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    managedDir = mkdtempSync(join(tmpdir(), 'bollard-managed-'));
    file = join(managedDir, 'bollard.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'version: 1\nagents:\n  - name: managed-bot\n    grants: [users:read]\n');
    managed = await startBollardProcess({ BOLLARD_DATA_DIR: managedDir }, ['--policy', file]);
    const token = managed.output().match(/Admin token \(shown once\)\s+(\S+)/)![1]!;
    env = { BOLLARD_ADMIN_URL: managed.adminUrl, BOLLARD_ADMIN_TOKEN: token };
  });

  afterAll(async () => {
    await managed?.stop();
    rmSync(managedDir, { recursive: true, force: true });
  });

  it('refuses agent changes outside the file, naming the file; token rotation stays possible', async () => {
    const create = await cli(['agents', 'create', 'side-bot', '--grant', 'users:read'], env);
    expect(create.code).toBe(1);
    expect(create.stderr).toContain(`managed by the policy file ${file}`);
    const update = await cli(['agents', 'update', 'managed-bot', '--add-grant', 'sso:read'], env);
    expect(update.code).toBe(1);
    expect(update.stderr).toContain(`managed by the policy file ${file}`);
    const remove = await cli(['agents', 'delete', 'managed-bot', '--yes'], env);
    expect(remove.code).toBe(1);
    const rotate = await cli(['agents', 'rotate', 'managed-bot', '--json'], env);
    expect(rotate.code).toBe(0);
    const list = await cli(['agents', 'list', '--json'], env);
    expect(
      (JSON.parse(list.stdout) as { name: string; grants: string[] }[]).map((a) => [a.name, a.grants]),
    ).toEqual([['managed-bot', ['users:read']]]);
  });
});

describe('logs --follow lines', () => {
  it('line up under their header, however long the cells', async () => {
    const { followLine } = await import('../src/cli/commands/logs.js');
    const header = followLine(['TIME', 'AGENT', 'DECISION', 'STATUS', 'METHOD', 'PATH', 'WHY']);
    const row = followLine([
      '2026-12-02T05:00:00.000Z',
      'a-very-long-agent-name-indeed',
      'deny',
      '403',
      'DELETE',
      '/organizations/org_01HXYZ',
      'missing_permission organizations:write',
    ]);
    for (const [column, value] of [
      ['AGENT', 'a-very-long'],
      ['DECISION', 'deny'],
      ['STATUS', '403'],
      ['METHOD', 'DELETE'],
      ['PATH', '/organizations/'],
      ['WHY', 'missing_permission'],
    ] as const)
      expect(row.indexOf(value), column).toBe(header.indexOf(column));
  });
});

describe('--help', () => {
  it('every command that runs something shows at least one example', async () => {
    const { buildProgram } = await import('../src/cli/program.js');
    const missing: string[] = [];
    const walk = (command: import('commander').Command, path: string[]): void => {
      for (const sub of command.commands) {
        const here = [...path, sub.name()];
        let text = '';
        sub.configureOutput({
          writeOut: (chunk) => {
            text += chunk;
          },
          writeErr: () => undefined,
        });
        sub.outputHelp();
        if (sub.commands.length === 0 && !/Examples?:/.test(text)) missing.push(here.join(' '));
        walk(sub, here);
      }
    };
    walk(buildProgram(), []);
    expect(missing).toEqual([]);
  });
});

describe('logs --organization', () => {
  it('includes the call that created the organization', async () => {
    const env = { BOLLARD_ADMIN_URL: bollard.adminUrl, BOLLARD_ADMIN_TOKEN: adminToken };
    const created = await cli(
      ['agents', 'create', 'org-maker', '--grant', 'organizations:write', '--json'],
      env,
    );
    const { token } = JSON.parse(created.stdout) as { token: string };
    const response = await fetch(`${bollard.proxyUrl}/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Made Here' }),
    });
    expect(response.status).toBe(201);
    const organization = (await response.json()) as { id: string };
    const requestId = response.headers.get('x-bollard-request-id');
    await vi.waitFor(
      async () => {
        const logs = await cli(['logs', '--organization', organization.id, '--json'], env);
        const entries = JSON.parse(logs.stdout) as {
          requestId: string;
          endpointId: string;
          organizationId: string;
        }[];
        const entry = entries.find((e) => e.requestId === requestId);
        expect(entry?.endpointId).toBe('organizations.create');
        expect(entry?.organizationId).toBe(organization.id);
      },
      { timeout: 20_000, interval: 250 },
    );
  });
});

describe('policy plans', () => {
  it('name changed fields as the policy file spells them', async () => {
    const { renderPlan } = await import('../src/cli/commands/policy.js');
    const text = renderPlan({
      agents: [
        {
          name: 'bot',
          action: 'update',
          gained: [],
          lost: [],
          changed: ['mcpTools', 'expiresAt', 'description'],
          warnings: [],
          before: null,
          after: null,
        },
      ],
      summary: { create: 0, update: 1, delete: 0, unchanged: 0, warnings: 0 },
    });
    expect(text).toContain('~ update bot (mcp.tools, expires, description)');
  });
});
