/**
 * `npm run chaos`: a bounded chaos run on loopback. Two `bollard start` replicas share a PostgreSQL primary
 * with a synchronous streaming standby (made here, on spare ports) and a Redis of their own; three agents
 * call steadily, each in its own WorkOS area, while the run
 *   - injects a 5xx storm into one area (directory_sync) and latency into another (users),
 *   - restarts Redis,
 *   - fails PostgreSQL over to the standby,
 *   - kills one replica with SIGKILL (its callers move to the other, as a load balancer would move them).
 * Then it prints calls answered, call records lost (goal 0), the overshoot of the overall WorkOS limit in its
 * busiest window (goal ≤ 10 %), and calls refused in the healthy areas by a breaker (goal 0). Everything it
 * starts, it stops and removes. It needs redis-server and Debian's PostgreSQL cluster tools, run as root.
 *
 *   npm run chaos                  about a minute and a half
 *   npm run chaos -- --seconds 20  a shorter steady phase (the faults are spread over it)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmulator } from '../src/emulator/index.js';
import { untilTrue } from '../test/support/eventually.js';
import { startPostgresPair } from '../test/support/postgres-standby.js';
import { type BollardProcess, startBollardProcess } from '../test/support/processes.js';
import { busiestWindow } from '../test/support/windows.js';

const SECONDS = Math.min(120, Math.max(12, Number(argValue('--seconds') ?? 30)));
const LIMIT = 60; // the overall WorkOS limit the replicas share, per window
const WINDOW_MS = 2_000;
const ADMIN_TOKEN = `boladm_chaos_${Math.random().toString(36).slice(2)}`;
const AGENTS = [
  { name: 'orgs', area: 'organizations', path: '/organizations', healthy: true },
  { name: 'people', area: 'users', path: '/user_management/users', healthy: true },
  { name: 'dirs', area: 'directory_sync', path: '/directories', healthy: false },
] as const;

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
const started = Date.now();

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A Redis of the run's own, so restarting it touches nothing else. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  await untilTrue(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    `Redis on ${port}`,
  );
  return child;
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

interface Answer {
  agent: string;
  healthy: boolean;
  status: number;
  code: string | null;
  reason: string | null;
  requestId: string | null;
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'bollard-chaos-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  try {
    log('starting: emulator, PostgreSQL primary + synchronous standby, Redis, two replicas');
    const emulator = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
    cleanups.unshift(() => emulator.close());
    const pair = await startPostgresPair();
    cleanups.unshift(() => pair.close());
    const redisPort = await freePort();
    let redis = await startRedis(redisPort, dir);
    cleanups.unshift(() => stopProcess(redis));
    const replicas: BollardProcess[] = [];
    for (const i of [0, 1]) {
      const dataDir = path.join(dir, `replica-${i}`);
      const replica = await startBollardProcess({
        WORKOS_API_KEY: emulator.apiKey,
        BOLLARD_UPSTREAM: emulator.url,
        DATABASE_URL: pair.url,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        BOLLARD_REPLICAS: '2',
        BOLLARD_GENERAL_LIMIT: `${LIMIT}/${WINDOW_MS / 1000}`,
        BOLLARD_RATE_LIMIT_MAX_WAIT_MS: '0',
        BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
        BOLLARD_DATA_DIR: dataDir,
        BOLLARD_LOG_LEVEL: 'warn',
      });
      replicas.push(replica);
      cleanups.unshift(() => stopProcess(replica.child));
    }
    const tokens = new Map<string, string>();
    for (const agent of AGENTS) {
      const response = await fetch(`${replicas[0]!.adminUrl}/api/v1/agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: agent.name, grants: [`${agent.area}:read`] }),
      });
      tokens.set(agent.name, ((await response.json()) as { token: string }).token);
    }
    await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });

    const answers: Answer[] = [];
    let cutByKill = 0;
    const dead = new Set<number>();
    let running = true;
    /** Two callers per agent, one per replica; a caller whose replica is gone moves to the other. */
    const callers = AGENTS.flatMap((agent) =>
      [0, 1].map(async (home) => {
        let replica = home;
        while (running) {
          if (dead.has(replica)) replica = 1 - replica;
          const target = replicas[replica]!;
          try {
            const response = await fetch(`${target.proxyUrl}${agent.path}`, {
              headers: { authorization: `Bearer ${tokens.get(agent.name)}` },
              signal: AbortSignal.timeout(15_000),
            });
            const body = await response.text();
            const error =
              response.status === 200 ? null : (JSON.parse(body) as { code?: string; reason?: string });
            answers.push({
              agent: agent.name,
              healthy: agent.healthy,
              status: response.status,
              code: error?.code ?? null,
              reason: error?.reason ?? null,
              requestId: response.headers.get('x-bollard-request-id'),
            });
            if (response.status !== 200) await sleep(20);
          } catch {
            // The connection went with the replica: the caller moves to the other, as a load balancer would.
            cutByKill++;
            dead.add(replica);
          }
        }
      }),
    );

    const step = (SECONDS * 1000) / 8;
    const faults = async (body: Record<string, unknown>) =>
      fetch(`${emulator.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await sleep(step);
    log('5xx storm into directory_sync (60 answers of 503)');
    await faults({ path: '/directories', method: 'GET', count: 60, status: 503 });
    await sleep(step);
    log('latency into users (40 answers 400 ms late)');
    await faults({ path: '/user_management/users', method: 'GET', count: 40, delayMs: 400 });
    await sleep(step);
    log('Redis restart: stopped');
    await stopProcess(redis);
    await sleep(2_000);
    redis = await startRedis(redisPort, dir);
    log('Redis restart: started again');
    await sleep(step);
    log('PostgreSQL: primary stopped (immediate), standby promoted');
    await pair.failover();
    log('PostgreSQL: standby takes writes');
    await sleep(step * 2);
    log('kill -9 of replica 2 (its callers find out by their connections failing)');
    await stopProcess(replicas[1]!.child);
    await sleep(step * 2);
    running = false;
    await Promise.all(callers);
    await sleep(500); // outcome records are written just after the answers
    log('steady phase over; counting');

    const ok = answers.filter((a) => a.status === 200);
    const client = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${pair.standbyPort}/postgres`,
    });
    await client.connect();
    const recorded = new Set(
      (
        await client.query<{ request_id: string }>("SELECT request_id FROM audit WHERE kind = 'call'")
      ).rows.map((r) => r.request_id),
    );
    await client.end();
    const lost = ok.filter((a) => !recorded.has(a.requestId ?? '')).length;
    const upstream = (
      (await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as Array<{ time: string }>
    ).map((entry) => Date.parse(entry.time));
    const busiest = busiestWindow(upstream, WINDOW_MS);
    const healthy = answers.filter((a) => a.healthy);
    const breakerRefusals = healthy.filter((a) => a.reason === 'circuit_open').length;
    const tally = (list: Answer[]) => {
      const counts = new Map<string, number>();
      for (const a of list) {
        const key = a.status === 200 ? '200' : `${a.status} ${a.code}${a.reason ? `/${a.reason}` : ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return [...counts].map(([k, n]) => `${k}: ${n}`).join(', ');
    };
    const overshoot = ((busiest - LIMIT) / LIMIT) * 100;
    console.log(`
Chaos run: ${SECONDS} s steady phase, 3 agents × 2 callers, 2 replicas (one killed), loopback only
  calls answered                      ${answers.length} (${ok.length} × 200); ${cutByKill} cut by the kill -9
    organizations (healthy)           ${tally(answers.filter((a) => a.agent === 'orgs'))}
    users (healthy, latency injected) ${tally(answers.filter((a) => a.agent === 'people'))}
    directory_sync (5xx storm; "503 null" is WorkOS's own 503 passed back)
                                      ${tally(answers.filter((a) => a.agent === 'dirs'))}
  call records lost                   ${lost} of ${ok.length} answered 200 (goal 0)
  limit overshoot                     busiest ${WINDOW_MS / 1000} s window at WorkOS ${busiest} against ${LIMIT}: ${overshoot > 0 ? '+' : ''}${overshoot.toFixed(1)} % (goal ≤ 10 %)
  refused in healthy areas            ${breakerRefusals} by a circuit breaker (goal 0); ${healthy.filter((a) => a.code === 'audit_unavailable').length} × 503 audit_unavailable while no PostgreSQL primary answered, ${healthy.filter((a) => a.status === 429).length} × 429 over the shared limit
`);
    process.exitCode = 0;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error('chaos run failed:', error);
  process.exitCode = 1;
});
