import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import { createMetrics } from '../src/observability/index.js';
import { createScratchDatabase, type ScratchDatabase } from '../src/store/index.js';
import { eventually } from './support/eventually.js';
import { parseScrape } from './support/metrics.js';
import { type BollardProcess, startBollardProcess } from './support/processes.js';
import { findPromtool, promtool } from './support/promtool.js';

const repo = path.resolve(import.meta.dirname, '..');
const ADMIN_TOKEN = `boladm_observability_${Math.random().toString(36).slice(2)}`;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const promtoolPath = findPromtool();

async function scrapeAdmin(replica: BollardProcess) {
  const response = await fetch(`${replica.adminUrl}/metrics`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(response.status).toBe(200);
  return response.text();
}

describe('bollard start, watched as an operator watches it', () => {
  let bollard: BollardProcess;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-observed-'));
    bollard = await startBollardProcess(
      { BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN, BOLLARD_DATA_DIR: dataDir, BOLLARD_METRICS_PORT: '0' },
      [],
    );
  }, 60_000);
  afterAll(async () => {
    await bollard.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves probes and metrics, logs one line per call with its request id, and no secret', async () => {
    const token = /support-bot .*\n\s+(bol_\w+)/.exec(bollard.output())![1]!;
    const call = (method: string, body?: unknown) =>
      fetch(`${bollard.proxyUrl}/organizations`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const allowed = await call('GET');
    expect(allowed.status).toBe(200);
    expect((await call('POST', { name: 'nope' })).status).toBe(403);
    for (const probe of ['/healthz', '/readyz']) {
      expect((await fetch(`${bollard.proxyUrl}${probe}`)).status).toBe(200);
      expect((await fetch(`${bollard.adminUrl}${probe}`)).status).toBe(200);
    }

    const text = await scrapeAdmin(bollard);
    const scraped = parseScrape(text);
    expect(scraped.value('bollard_calls_total', { agent: 'support-bot', decision: 'allow' })).toBe(1);
    expect(scraped.value('bollard_denials_total', { permission: 'organizations:write' })).toBe(1);
    if (promtoolPath) promtool(promtoolPath, ['check', 'metrics'], text);
    // The loopback metrics port serves the same registry without a token.
    expect(bollard.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const open = await fetch(`${bollard.metricsUrl}/metrics`);
    expect(open.status).toBe(200);
    expect(await open.text()).toContain('bollard_calls_total{agent="support-bot"');

    const requestId = allowed.headers.get('x-bollard-request-id')!;
    const line = await eventually(() => {
      const found = bollard
        .output()
        .split('\n')
        .find((l) => l.includes(`"requestId":"${requestId}"`));
      expect(found).toBeDefined();
      return found!;
    });
    expect(JSON.parse(line)).toMatchObject({
      level: 30,
      msg: 'call',
      agent: 'support-bot',
      endpoint: 'organizations.list',
      decision: 'allow',
      status: 200,
      ms: expect.any(Number),
      upstreamMs: expect.any(Number),
    });
    const output = bollard.output();
    const banner = output.slice(output.indexOf('Bollard is running'), output.indexOf('Try it:'));
    expect(banner).not.toContain('{"level"');
    const logLines = output.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    for (const logLine of logLines) {
      expect(logLine).not.toContain(token);
      expect(logLine).not.toContain(ADMIN_TOKEN);
      expect(logLine).not.toContain('sk_test');
    }
  });
});

describe('replicas: how long a revocation takes to arrive', () => {
  const skip = process.env.STORES === 'sqlite';
  let emulator: RunningEmulator;
  let database: ScratchDatabase;
  const replicas: BollardProcess[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    if (skip) return;
    emulator = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
    database = await createScratchDatabase(DATABASE_URL);
    for (let i = 0; i < 2; i++) {
      const dir = mkdtempSync(path.join(tmpdir(), 'bollard-replica-'));
      dirs.push(dir);
      replicas.push(
        await startBollardProcess({
          WORKOS_API_KEY: emulator.apiKey,
          BOLLARD_UPSTREAM: emulator.url,
          DATABASE_URL: database.url,
          BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
          BOLLARD_DATA_DIR: dir,
          BOLLARD_LOG_LEVEL: 'warn',
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await emulator?.close();
    await database?.drop().catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)('records the propagation delay of a revocation on the other replica', async () => {
    const [a, b] = replicas as [BollardProcess, BollardProcess];
    const adminCall = (method: string, url: string, body?: unknown) =>
      fetch(`${a.adminUrl}/api/v1${url}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const before = parseScrape(await scrapeAdmin(b)).value('bollard_change_propagation_seconds_count');
    expect((await adminCall('POST', '/agents', { name: 'revocable', grants: ['users:read'] })).ok).toBe(true);
    expect((await adminCall('POST', '/agents/revocable/revoke')).ok).toBe(true);
    const after = await eventually(async () => {
      const scraped = parseScrape(await scrapeAdmin(b));
      expect(scraped.value('bollard_change_propagation_seconds_count')).toBeGreaterThanOrEqual(before + 2);
      return scraped;
    });
    const mean =
      after.value('bollard_change_propagation_seconds_sum') /
      after.value('bollard_change_propagation_seconds_count');
    console.log(`change propagation to the other replica: mean ${(mean * 1000).toFixed(1)} ms`);
    expect(after.value('bollard_change_propagation_seconds_bucket', { le: '10' })).toBe(
      after.value('bollard_change_propagation_seconds_count'),
    );
  });
});

describe('the dashboard and alert rules', () => {
  const alerts = path.join(repo, 'docs/observability/alerts.yml');
  const dashboard = path.join(repo, 'docs/observability/grafana-dashboard.json');

  it.skipIf(promtoolPath === null)('pass `promtool check rules`', () => {
    expect(promtool(promtoolPath!, ['check', 'rules', alerts])).toContain('SUCCESS');
  });

  it('name only metrics Bollard exposes, and the README lists every Bollard metric', async () => {
    const exposed = new Set(
      (await createMetrics().registry.getMetricsAsJSON())
        .map((m) => m.name)
        .filter((n) => n.startsWith('bollard_')),
    );
    const named = (text: string) =>
      new Set([...text.matchAll(/\bbollard_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')));
    const family = (name: string) => (exposed.has(name) ? name : name.replace(/_(bucket|sum|count)$/, ''));
    for (const file of [alerts, dashboard]) {
      for (const name of named(readFileSync(file, 'utf8')))
        expect(exposed, `${file}: ${name}`).toContain(family(name));
    }
    const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
    for (const name of exposed) expect(readme, `README misses ${name}`).toContain(name);
  });
});
