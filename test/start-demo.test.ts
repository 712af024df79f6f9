import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GenericServerException, WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMcp } from './support/mcp-client.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..');

/** Starts `bollard start` as a user would, and waits for its banner. */
async function startDemo(
  dataDir: string,
  extraEnv: Record<string, string> = {},
): Promise<{ child: ChildProcess; banner: string }> {
  const env = { ...process.env, ...extraEnv };
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

  it("the banner's MCP URL and token, taken from its claude mcp add line, list the agent's tools", async () => {
    const line = banner.split('\n').find((l) => l.includes('claude mcp add'))!;
    const [, url, token] = line.match(
      /bollard (http:\/\/\S+\/mcp) --header "Authorization: Bearer (bol_\w+)"/,
    )!;
    expect(banner).toContain(`MCP for agents     ${url}`);
    const client = await connectMcp(url!.replace(/\/mcp$/, ''), token!);
    const names = (await client.listTools()).tools.map((t) => t.name);
    await client.close();
    expect(names).toContain('organizations_list');
    expect(names).not.toContain('organizations_create');
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

describe('demo mode: webhooks, demo.env and restarts', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-demo-restart-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The variables `source .bollard/demo.env` sets, read the way a shell reads them. */
  async function demoEnv(): Promise<Record<string, string>> {
    const file = path.join(dataDir, 'demo.env');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { stdout } = await run('bash', ['-c', `set -a; source ${file}; env`]);
    return Object.fromEntries(
      stdout
        .split('\n')
        .filter((line) => /^(BOLLARD_|[A-Z_]+_TOKEN=)/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }

  async function admin(env: Record<string, string>, method: string, route: string, body?: unknown) {
    const response = await fetch(`${env.BOLLARD_ADMIN_URL}/api/v1${route}`, {
      method,
      headers: {
        authorization: `Bearer ${env.BOLLARD_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as Record<string, unknown> & { data: Record<string, unknown>[] };
  }

  it('the emulator delivers its events to Bollard, which relays them to a subscribed agent', async () => {
    // The test's receiver listens on 127.0.0.1, which webhooks may reach only when the operator says so.
    ({ child } = await startDemo(dataDir));
    const env = await demoEnv();
    expect(Object.keys(env).sort()).toEqual([
      'AUDITOR_TOKEN',
      'BOLLARD_ADMIN_TOKEN',
      'BOLLARD_ADMIN_URL',
      'BOLLARD_URL',
      'PROVISIONER_TOKEN',
      'SUPPORT_BOT_TOKEN',
    ]);
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += String(chunk);
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const port = (receiver.address() as AddressInfo).port;
      const subscription = await admin(env, 'POST', '/webhooks/subscriptions', {
        agent: 'support-bot',
        url: `http://127.0.0.1:${port}/hooks`,
        events: ['user.created'],
      });
      expect(subscription.secret).toMatch(/^whsec_/);
      const url = new URL(env.BOLLARD_URL!);
      const provisioner = new WorkOS(env.PROVISIONER_TOKEN!, {
        apiHostname: url.hostname,
        port: Number(url.port),
        https: false,
      });
      const user = await provisioner.userManagement.createUser({ email: 'hooked@acme.test' });
      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(received).toHaveLength(1);
      const event = JSON.parse(received[0]!.body) as { event: string; data: { id: string } };
      expect(event.event).toBe('user.created');
      expect(event.data.id).toBe(user.id);
      expect(received[0]!.headers['workos-signature']).toMatch(/^t=\d+, v1=[0-9a-f]{64}/);
    } finally {
      receiver.close();
    }
  });

  it('a restart starts both sides fresh, keeps the old state aside, and the banner matches what is stored', async () => {
    const before = await demoEnv();
    await new Promise<void>((resolve) => {
      child!.once('exit', () => resolve());
      child!.kill('SIGTERM');
    });
    let banner: string;
    ({ child, banner } = await startDemo(dataDir));
    expect(banner).toMatch(/previous run is kept in \S+previous/);
    expect(readdirSync(path.join(dataDir, 'previous'))).toHaveLength(1);
    const env = await demoEnv();
    expect(env.BOLLARD_ADMIN_TOKEN).not.toBe(before.BOLLARD_ADMIN_TOKEN);
    const agents = (await admin(env, 'GET', '/agents')).data;
    expect(agents.map((agent) => agent.name).sort()).toEqual(['auditor', 'provisioner', 'support-bot']);
    for (const agent of agents) {
      const line = banner.split('\n').find((l) => l.trim().startsWith(`${agent.name} `))!;
      expect(line.trim().split(/\s+/).slice(1).join(' ')).toBe((agent.grants as string[]).join(', '));
    }
    // The old token is gone with the old state; the new one works, and the new chain verifies.
    const url = `${env.BOLLARD_URL}/organizations`;
    const old = await fetch(url, { headers: { authorization: `Bearer ${before.SUPPORT_BOT_TOKEN}` } });
    expect(old.status).toBe(401);
    const fresh = await fetch(url, { headers: { authorization: `Bearer ${env.SUPPORT_BOT_TOKEN}` } });
    expect(fresh.status).toBe(200);
    expect((await admin(env, 'POST', '/audit/verify')).ok).toBe(true);
  });
});
