import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import { type BollardProcess, startBollardProcess } from './support/processes.js';

/**
 * Graceful drain of a real `bollard start` process: SIGTERM turns readiness false first, refuses new
 * connections after the grace, lets calls in flight finish, flushes their outcome records and exits 0;
 * a second signal stops at once.
 */
const ADMIN_TOKEN = `boladm_drain_${Math.random().toString(36).slice(2)}`;
let emulator: RunningEmulator;
const dirs: string[] = [];
let bollard: BollardProcess | null = null;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
});
afterEach(async () => {
  await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' });
  if (bollard && bollard.child.exitCode === null && bollard.child.signalCode === null) {
    bollard.child.kill('SIGKILL');
    await new Promise((resolve) => bollard?.child.once('exit', resolve));
  }
  bollard = null;
});
afterAll(async () => {
  await emulator?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bollard-drain-'));
  dirs.push(dir);
  bollard = await startBollardProcess({
    WORKOS_API_KEY: emulator.apiKey,
    BOLLARD_UPSTREAM: emulator.url,
    BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
    BOLLARD_DATA_DIR: dir,
    BOLLARD_LOG_LEVEL: 'info',
    ...env,
  });
  const created = await fetch(`${bollard.adminUrl}/api/v1/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'worker', grants: ['organizations:read'] }),
  });
  const token = ((await created.json()) as { token: string }).token;
  return { process: bollard, token, dir };
}

function slowWorkOS(delayMs: number, count = 1) {
  return fetch(`${emulator.url}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: '/organizations', method: 'GET', count, delayMs }),
  });
}

function call(p: BollardProcess, token: string) {
  return fetch(`${p.proxyUrl}/organizations`, { headers: { authorization: `Bearer ${token}` } }).then(
    async (r) => ({
      status: r.status,
      requestId: r.headers.get('x-bollard-request-id'),
      body: await r.text(),
    }),
    (error: unknown) => ({ status: 0, requestId: null, body: String((error as Error).cause ?? error) }),
  );
}

/** Resolves once the call's write-ahead record is in: it has left for WorkOS. */
async function forwarded(p: BollardProcess, count: number) {
  await vi.waitFor(
    async () => {
      const page = await fetch(`${p.adminUrl}/api/v1/audit?agent=worker&kind=call&limit=100`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(((await page.json()) as { data: unknown[] }).data.length).toBeGreaterThanOrEqual(count);
    },
    { timeout: 10_000, interval: 20 },
  );
}

function exitOf(p: BollardProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null) resolve(p.child.exitCode);
    else p.child.once('exit', (code) => resolve(code));
  });
}

function outcomesOf(
  dir: string,
): Array<{ request_id: string; status: number | null; reason: string | null }> {
  const db = new Database(path.join(dir, 'bollard.db'), { readonly: true });
  try {
    return db.prepare("SELECT request_id, status, reason FROM audit WHERE kind = 'outcome'").all() as Array<{
      request_id: string;
      status: number | null;
      reason: string | null;
    }>;
  } finally {
    db.close();
  }
}

describe('graceful drain on SIGTERM', () => {
  it('readiness goes false first, new connections are refused after the grace, the call in flight finishes and is recorded, exit 0', async () => {
    const { process: p, token, dir } = await start({ BOLLARD_DRAIN_GRACE_MS: '1500' });
    expect((await fetch(`${p.proxyUrl}/readyz`)).status).toBe(200);
    await slowWorkOS(2500);
    const inFlight = call(p, token);
    await forwarded(p, 1);
    const exited = exitOf(p);
    p.child.kill('SIGTERM');

    // During the grace: not ready, but still taking calls (a load balancer has not noticed yet).
    await vi.waitFor(async () => expect((await fetch(`${p.proxyUrl}/readyz`)).status).toBe(503), {
      timeout: 5_000,
      interval: 20,
    });
    const readyz = await (await fetch(`${p.proxyUrl}/readyz`)).json();
    expect(readyz).toMatchObject({ ready: false, draining: true });
    const duringGrace = await call(p, token);
    expect(duringGrace.status).toBe(200);

    // After the grace: new connections are refused, while the parked call is still in flight.
    await vi.waitFor(async () => expect((await call(p, token)).status).toBe(0), {
      timeout: 5_000,
      interval: 50,
    });
    expect(p.child.exitCode).toBeNull();

    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(await exited).toBe(0);
    const outcomes = outcomesOf(dir);
    expect(outcomes.find((o) => o.request_id === answered.requestId)).toMatchObject({ status: 200 });
    expect(outcomes.find((o) => o.request_id === duringGrace.requestId)).toMatchObject({ status: 200 });
    expect(p.output()).toContain('draining: waiting for calls in flight');
  }, 30_000);

  it('a call still in flight at the drain deadline is cut, its outcome recorded, and the exit is still 0', async () => {
    const { process: p, token, dir } = await start({ BOLLARD_DRAIN_TIMEOUT_MS: '300' });
    await slowWorkOS(20_000);
    const parked = call(p, token);
    await forwarded(p, 1);
    const exited = exitOf(p);
    p.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const cut = await parked;
    expect(cut.status).toBe(0);
    expect(p.output()).toContain('calls still in flight at the deadline');
    expect(outcomesOf(dir), p.output()).toHaveLength(1); // recorded as cut, not left unknown
  }, 30_000);

  it('a second signal stops at once: the call in flight is left for outcome_unknown at the next start', async () => {
    const { process: p, token, dir } = await start({ BOLLARD_DRAIN_GRACE_MS: '60000' });
    await slowWorkOS(20_000);
    const parked = call(p, token);
    await forwarded(p, 1);
    const exited = exitOf(p);
    p.child.kill('SIGTERM');
    await vi.waitFor(() => expect(p.output()).toContain('draining'), { timeout: 5_000, interval: 20 });
    p.child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect((await parked).status).toBe(0);
    expect(outcomesOf(dir)).toHaveLength(0);

    const again = await start({ BOLLARD_DATA_DIR: dir });
    expect(again.process.output()).toMatch(/Unknown outcomes\s+1 calls/);
  }, 30_000);
});
