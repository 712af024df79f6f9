import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import { createScratchDatabase, type ScratchDatabase } from '../src/store/index.js';
import { type BollardProcess, startBollardProcess } from './support/processes.js';
import { startTcpRelay, type TcpRelay } from './support/tcp-relay.js';
import { busiestWindow } from './support/windows.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const ADMIN_TOKEN = `boladm_limits_test_${Math.random().toString(36).slice(2)}`;
const LIMIT = 60;
const WINDOW_MS = 2_000;

describe.skipIf(process.env.STORES === 'sqlite')('two Bollard processes sharing Redis', () => {
  let emulator: RunningEmulator;
  let database: ScratchDatabase;
  let redis: TcpRelay;
  let replicas: BollardProcess[] = [];
  let token: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
    database = await createScratchDatabase(DATABASE_URL);
    redis = await startTcpRelay(REDIS.hostname, Number(REDIS.port || 6379));
    const prefix = `limits-${Math.random().toString(36).slice(2)}:`;
    replicas = await Promise.all(
      [0, 1].map(() => {
        const dir = mkdtempSync(path.join(tmpdir(), 'bollard-limits-'));
        dirs.push(dir);
        return startBollardProcess({
          WORKOS_API_KEY: emulator.apiKey,
          BOLLARD_UPSTREAM: emulator.url,
          DATABASE_URL: database.url,
          REDIS_URL: `redis://127.0.0.1:${redis.port}`,
          BOLLARD_REDIS_PREFIX: prefix,
          BOLLARD_REPLICAS: '2',
          // A small overall limit so the test can drive past it in seconds: 60 requests / 2 s.
          BOLLARD_GENERAL_LIMIT: `${LIMIT}/${WINDOW_MS / 1000}`,
          BOLLARD_RATE_LIMIT_MAX_WAIT_MS: '0',
          BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
          BOLLARD_DATA_DIR: dir,
          BOLLARD_LOG_LEVEL: 'warn',
        });
      }),
    );
    const response = await fetch(`${replicas[0]!.adminUrl}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'busy', grants: ['organizations:read'] }),
    });
    token = ((await response.json()) as { token: string }).token;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await redis?.close();
    await emulator?.close();
    await database?.drop().catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Drives both replicas as hard as `workers` callers each can for `ms`; returns the answers' statuses. */
  async function drive(ms: number, workers: number, during?: () => Promise<void>): Promise<number[]> {
    const statuses: number[] = [];
    const until = Date.now() + ms;
    const loops = replicas.flatMap((replica) =>
      Array.from({ length: workers }, async () => {
        while (Date.now() < until) {
          const response = await fetch(`${replica.proxyUrl}/organizations`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await response.arrayBuffer();
          statuses.push(response.status);
        }
      }),
    );
    await during?.();
    await Promise.all(loops);
    return statuses;
  }

  async function upstreamTimes(): Promise<number[]> {
    const log = (await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as Array<{
      time: string;
      path: string;
    }>;
    return log.filter((entry) => entry.path === '/organizations').map((entry) => Date.parse(entry.time));
  }

  it('driven together past the overall limit, the upstream receives no more than the limit per window', async () => {
    await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
    const statuses = await drive(6_000, 6);
    const busiest = busiestWindow(await upstreamTimes(), WINDOW_MS);
    console.log(
      `busiest ${WINDOW_MS} ms window at the upstream: ${busiest} requests (limit ${LIMIT}); ${statuses.length} calls, ${statuses.filter((s) => s === 429).length} refused`,
    );
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(LIMIT);
    expect(busiest).toBeLessThanOrEqual(Math.floor(LIMIT * 1.05));
  }, 30_000);

  it('Redis stopped mid-run: limiting continues locally at each process share, with a warning, never unlimited', async () => {
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
    const statuses = await drive(7_000, 6, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await redis.cut();
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      await redis.restore();
    });
    const busiest = busiestWindow(await upstreamTimes(), WINDOW_MS);
    console.log(
      `with Redis cut for 3.5 s: busiest window ${busiest} requests (limit ${LIMIT}); ${statuses.filter((s) => s === 429).length} of ${statuses.length} refused`,
    );
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    // Local limits are scaled to 1/2 each and start warm (each replica mirrored its shared takes and holds
    // back what the other was last seen using), so a window spanning a switch-over stays near the limit.
    expect(busiest).toBeLessThanOrEqual(Math.floor(LIMIT * 1.1));
    const passed = statuses.filter((s) => s === 200).length;
    expect(passed).toBeLessThan((LIMIT * 7_000) / WINDOW_MS);
    for (const replica of replicas)
      expect(replica.output()).toMatch(/Redis.*(unreachable|unavailable|local)/i);
  }, 30_000);
});
