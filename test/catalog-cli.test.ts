import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { type CatalogEndpoint, type CatalogEvent, endpoints } from '../src/catalog/index.js';
import { buildProgram } from '../src/cli/program.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs the real `bollard` bin as a child process; resolves with its exit code instead of throwing. */
async function bollard(
  ...input: (string | Record<string, string>)[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = input.filter((item): item is string => typeof item === 'string');
  const env = { ...process.env, ...Object.assign({}, ...input.filter((item) => typeof item !== 'string')) };
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/bollard.js', ...args], {
      cwd: repoRoot,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('bollard catalog (child process)', () => {
  it('--area organizations --access write lists exactly the organization writes', async () => {
    const expected = endpoints
      .filter((e) => e.area === 'organizations' && e.access === 'write')
      .map((e) => e.id);
    const json = await bollard('catalog', '--area', 'organizations', '--access', 'write', '--json');
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as CatalogEndpoint[]).map((e) => e.id)).toEqual(expected);
    const table = await bollard('catalog', '--area', 'organizations', '--access', 'write');
    const rows = table.stdout.split('\n').filter((line) => /^\S+\s+(POST|PUT|PATCH|DELETE|GET) /.test(line));
    expect(rows.map((line) => line.split(/\s+/)[0])).toEqual(expected);
    expect(rows.every((line) => line.includes('organizations:write'))).toBe(true);
    expect(table.stdout).toMatch(/organizations\.delete\s+DELETE\s+\/organizations\/\{id\}/);
  });

  it('fits a 100-column terminal, and finds an endpoint by its SDK method', async () => {
    const table = await bollard('catalog', { COLUMNS: '100' });
    const lines = table.stdout.split('\n');
    expect(lines.length).toBeGreaterThan(250);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(100);
    const shown = await bollard('catalog', 'show', 'userManagement.createUser');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^POST \/user_management\/users\n/);
    expect(shown.stdout).toMatch(/id:\s+users\.create/);
  });

  it('shows DELETE /organizations/{id} by template and by concrete path', async () => {
    for (const reference of ['DELETE /organizations/{id}', 'DELETE /organizations/org_01HXYZ']) {
      const shown = await bollard('catalog', 'show', reference);
      expect(shown.code, reference).toBe(0);
      expect(shown.stdout).toContain('50 requests / 60s per API key');
      expect(shown.stdout).toContain('organization.deleted');
      expect(shown.stdout).toMatch(/destructive:\s+yes/);
      expect(shown.stdout).toContain('Available since the API’s base version');
      expect(shown.stdout).toContain('https://workos.com/docs/reference/');
    }
  });

  it('lists the events of one area', async () => {
    const sso = await bollard('catalog', 'events', '--area', 'sso', '--json');
    const names = (JSON.parse(sso.stdout) as CatalogEvent[]).map((event) => event.name);
    expect(names).toEqual(expect.arrayContaining(['connection.activated', 'connection.deleted']));
    expect(
      names.every((name) => name.startsWith('connection.') || name.startsWith('authentication.sso')),
    ).toBe(true);
  });

  it('rejects an unknown filter value with the valid ones, a suggestion and exit code 2', async () => {
    const area = await bollard('catalog', '--area', 'organisations');
    expect(area.code).toBe(2);
    expect(area.stderr).toContain('Did you mean "organizations"?');
    expect(area.stderr).toContain('directory_sync');
  });
});

/** The same command tree in process, for the cases that need no separate process (spawning costs ~1 s each). */
async function bollardInProcess(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
  const error = vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync(['node', 'bollard', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    process.exitCode = undefined;
    log.mockRestore();
    error.mockRestore();
  }
}

describe('bollard catalog (in process)', () => {
  it('shows an endpoint by id, with its SDK methods and status', async () => {
    const shown = await bollardInProcess('catalog', 'show', 'roles.list_legacy');
    expect(shown.stdout).toContain('GET /roles');
    expect(shown.stdout).toContain('legacy (replaced by roles.list_environment_roles)');
  });

  it('refuses a hostile concrete path and an unknown id or access value with exit code 2', async () => {
    const hostile = await bollardInProcess('catalog', 'show', 'GET /organizations/../users');
    expect(hostile).toMatchObject({ code: 2 });
    expect(hostile.stderr).toContain('dot segment');
    const unknown = await bollardInProcess('catalog', 'show', 'organizations.delet');
    expect(unknown.stderr).toContain('Did you mean "organizations.delete"?');
    const access = await bollardInProcess('catalog', '--access', 'admin');
    expect(access).toMatchObject({ code: 2 });
    expect(access.stderr).toContain('Valid values: read, write');
  });

  it('lists the areas with their endpoint counts', async () => {
    const areas = await bollardInProcess('catalog', 'areas');
    expect(areas.stdout).toMatch(/^directory_sync\s+Directory Sync\s+7\s/m);
  });
});
