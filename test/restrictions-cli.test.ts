import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildAdminServer, ensureAdminToken } from '../src/admin/index.js';
import { createAgentService } from '../src/agents/index.js';
import { sealRecord } from '../src/audit/index.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';

// Each CLI run is a fresh Node process (about 1 s of start-up, more on a busy machine): allow plenty.
vi.setConfig({ testTimeout: 180_000 });

const BIN = join(import.meta.dirname, '..', 'bin', 'bollard.js');
let dir: string;
let store: Store;
let app: FastifyInstance;
let env: NodeJS.ProcessEnv;

function bollard(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bollard-restrictions-cli-'));
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

describe('restrictions from the command line', () => {
  it('agents create --grant AREA:ACCESS@org_… pins a grant; a bad organization id is refused', async () => {
    const created = await bollard([
      'agents',
      'create',
      'acme-bot',
      '--grant',
      'users:read@org_01ACME',
      '--grant',
      'users:read@org_01BETA',
      '--grant',
      'organizations:read',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('users:read@org_01ACME+org_01BETA');
    const shown = await bollard(['agents', 'show', 'acme-bot', '--json']);
    expect(JSON.parse(shown.stdout).grants).toEqual([
      'organizations:read',
      'users:read@org_01ACME+org_01BETA',
    ]);
    const stored = await store.getAgentByName('acme-bot');
    expect(stored?.restrictions).toEqual({
      grants: { users: { organizations: ['org_01ACME', 'org_01BETA'] } },
    });

    const bad = await bollard(['agents', 'create', 'bad-bot', '--grant', 'users:read@acme']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("'acme' is not a WorkOS organization id (org_…)");
  });

  it('policy validate refuses a constraint on a field the endpoint lacks, at line:column', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'agents:',
        '  - name: provisioner',
        '    grants:',
        '      - permission: organization_memberships:write',
        '        constraints:',
        '          organization_memberships.create:',
        '            role: { allow: [member] }',
        '          users.create:',
        '            email: { match: "*@acme.example" }',
        '',
      ].join('\n'),
    );
    const result = await bollard(['policy', 'validate', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}:7:19 'organization_memberships.create' has no field 'role' — did you mean 'role_slug'?`,
    );
    expect(result.stderr).toContain(
      `${file}:9:13 endpoint 'users.create' is in area 'users', not 'organization_memberships'`,
    );
  });

  it('policy plan shows pins, constraints and redaction; export writes them back unchanged', async () => {
    const file = join(dir, 'bollard.yaml');
    writeFileSync(
      file,
      [
        'agents:',
        '  - name: acme-bot',
        '    grants: [users:read@org_01ACME+org_01BETA, organizations:read]',
        '  - name: provisioner',
        '    organizations: [org_01ACME]',
        '    grants:',
        '      - permission: organization_memberships:write',
        '        constraints:',
        '          organization_memberships.create:',
        '            role_slug: { allow: [member] }',
        '      - permission: directory_sync:read',
        '        redact: [raw_attributes, data.*.raw_attributes]',
        '      - permission: magic_auth:write',
        '        reveal_secrets: true',
        '',
      ].join('\n'),
    );
    const plan = await bollard(['policy', 'plan', file]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('= pin: every grant to org_01ACME');
    expect(plan.stdout).toContain('= constraint: organization_memberships.create role_slug one of member');
    expect(plan.stdout).toContain(
      '= redact: directory_sync answers lose raw_attributes, data.*.raw_attributes',
    );
    expect(plan.stdout).toContain('= reveal: magic_auth answers keep their secrets');
    const applied = await bollard(['policy', 'apply', file, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    const exported = join(dir, 'exported.yaml');
    const written = await bollard(['policy', 'export', '-o', exported]);
    expect(written.code, written.stderr).toBe(0);
    const again = await bollard(['policy', 'plan', exported]);
    expect(again.stdout).toContain('0 to create, 0 to update, 0 to delete');
  });

  it('catalog show says how an endpoint is pinned and what constraints can name', async () => {
    const shown = await bollard(['catalog', 'show', 'organization_memberships.create']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('organization pin:    body organization_id');
    expect(shown.stdout).toMatch(/constrainable: +organization_id, role_slug, role_slugs, user_id/);
    const lookup = await bollard(['catalog', 'show', 'users.get', '--json']);
    expect(JSON.parse(lookup.stdout).restrictions.pinned).toBe('lookup: the user named by path id');
    const secrets = await bollard(['catalog', 'show', 'magic_auth.create']);
    expect(secrets.stdout).toContain('withheld by default: code');
  });
});
