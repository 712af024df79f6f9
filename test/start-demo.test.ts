import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GenericServerException, WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..');

/** Starts `bollard start` as a user would, and waits for its banner. */
async function startDemo(dataDir: string): Promise<{ child: ChildProcess; banner: string }> {
  const env = { ...process.env };
  for (const name of [
    'WORKOS_API_KEY',
    'BOLLARD_ADMIN_TOKEN',
    'DATABASE_URL',
    'REDIS_URL',
    'BOLLARD_PORT',
    'BOLLARD_ADMIN_PORT',
  ])
    delete env[name];
  const child = spawn(
    process.execPath,
    [
      'bin/bollard.js',
      'start',
      '--port',
      '0',
      '--admin-port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
    ],
    {
      cwd: repo,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk) => {
    err += String(chunk);
  });
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 20 s; stderr: ${err}`)), 20_000);
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('npx bollard logs --follow')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, banner };
}

describe('npm start: demo mode', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-demo-'));
  let child: ChildProcess;
  let banner: string;

  beforeAll(async () => {
    ({ child, banner } = await startDemo(dataDir));
  }, 30_000);
  afterAll(() => {
    child?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the proxy URL, the admin token and every demo agent with its token', () => {
    expect(banner).toMatch(/Proxy for agents\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(banner).toMatch(/Admin token \(shown once\)\s+boladm_/);
    for (const name of ['support-bot', 'provisioner', 'auditor']) expect(banner).toContain(name);
    expect(banner.match(/bol_[0-9A-Za-z]{49}/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it("the banner's curl works as printed", async () => {
    const line = banner.split('\n').find((l) => l.trim().startsWith('curl '))!;
    const { stdout } = await run('sh', ['-c', line.trim()]);
    const body = JSON.parse(stdout) as { object: string; data: unknown[] };
    expect(body.object).toBe('list');
    expect(body.data.length).toBeGreaterThan(0);
  });

  it("the banner's SDK snippet lists organizations with the read-only token, and a write with it gets 403", async () => {
    const snippet = banner.split('\n').find((l) => l.includes('new WorkOS('))!;
    const [, token, host, port] = snippet.match(
      /new WorkOS\('(bol_[^']+)', \{ apiHostname: '([^']+)', port: (\d+), https: false \}\)/,
    )!;
    const workos = new WorkOS(token!, {
      apiHostname: host!,
      port: Number(port),
      https: false,
      maxRetries: 0,
    });
    const organizations = await workos.organizations.listOrganizations();
    expect(organizations.data.length).toBeGreaterThan(0);
    const error = await workos.organizations
      .createOrganization({ name: 'Not allowed' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GenericServerException);
    expect((error as GenericServerException).status).toBe(403);
    expect((error as GenericServerException).code).toBe('permission_denied');
  });
});
