import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Every step is a fresh Node process, as a newcomer would type it; allow a busy machine its time.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const REPO = join(import.meta.dirname, '..');
const BIN = join(REPO, 'bin', 'bollard.js');
let dataDir: string;
let server: ChildProcess;
let env: NodeJS.ProcessEnv;
let proxy: URL;

function bollard(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd: REPO }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function sdk(token: string): WorkOS {
  return new WorkOS(token, {
    apiHostname: proxy.hostname,
    port: Number(proxy.port),
    https: false,
    maxRetries: 0,
  });
}

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bollard-newcomer-'));
  const startEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  server = spawn(
    process.execPath,
    [BIN, 'start', '--port', '0', '--admin-port', '0', '--data-dir', dataDir, '--log-level', 'warn'],
    { cwd: REPO, env: startEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  server.stderr?.on('data', (chunk) => (err += chunk));
  const banner = await new Promise<string>((resolve, reject) => {
    server.stdout?.on('data', (chunk) => {
      out += chunk;
      if (out.includes('bollard logs --follow')) resolve(out);
    });
    server.once('exit', (code) => reject(new Error(`bollard start exited ${code}: ${err}`)));
  });
  // The banner says to `source` the demo's env file in another terminal: read it as a shell would.
  const sourced = readFileSync(join(dataDir, 'demo.env'), 'utf8');
  const value = (name: string) => new RegExp(`^export ${name}='([^']*)'$`, 'm').exec(sourced)?.[1];
  const proxyUrl = /Proxy for agents\s+(\S+)/.exec(banner)?.[1];
  if (!banner.includes('source ') || !value('BOLLARD_ADMIN_TOKEN') || !proxyUrl)
    throw new Error(`unexpected banner:\n${banner}`);
  env = {
    ...startEnv,
    BOLLARD_ADMIN_URL: value('BOLLARD_ADMIN_URL'),
    BOLLARD_ADMIN_TOKEN: value('BOLLARD_ADMIN_TOKEN'),
  };
  proxy = new URL(proxyUrl);
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the newcomer path', () => {
  it('start, create an agent, call WorkOS through Bollard, see it in logs, rotate, revoke', async () => {
    const created = await bollard([
      'agents',
      'create',
      'newcomer',
      '--grant',
      'organizations:read',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const first = JSON.parse(created.stdout).token as string;

    const organizations = await sdk(first).organizations.listOrganizations();
    expect(organizations.data.length).toBeGreaterThan(0);
    expect(await statusOf(sdk(first).organizations.createOrganization({ name: 'Nope Inc' }))).toBe(403);

    const logs = JSON.parse((await bollard(['logs', '--agent', 'newcomer', '--json'])).stdout);
    const calls = logs.filter((entry: { kind: string }) => entry.kind === 'call');
    expect(
      calls.map((entry: { endpointId: string; decision: string; status: number }) => [
        entry.endpointId,
        entry.decision,
        entry.status,
      ]),
    ).toEqual([
      ['organizations.list', 'allow', 200],
      ['organizations.create', 'deny', 403],
    ]);

    const rotated = await bollard(['agents', 'rotate', 'newcomer', '--json']);
    const second = JSON.parse(rotated.stdout).token as string;
    expect(await statusOf(sdk(first).organizations.listOrganizations())).toBe(401);
    expect(await statusOf(sdk(second).organizations.listOrganizations())).toBe(200);

    expect((await bollard(['agents', 'revoke', 'newcomer'])).code).toBe(0);
    expect(await statusOf(sdk(second).organizations.listOrganizations())).toBe(401);
    expect((await bollard(['audit', 'verify'])).stdout).toContain('Audit chain intact');
  });
});
