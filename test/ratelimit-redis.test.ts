import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayLimiter, type GatewayLimiter, type LimitRequest } from '../src/ratelimit/index.js';
import { testEndpoint, testRequest, testRule } from '../src/ratelimit/testing.js';
import { startTcpRelay } from './support/tcp-relay.js';

/** Redis-only behaviour: several processes on one Redis, and Redis going away. */
const REDIS_URL = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const HOUR = 3600;
const deleteOrg = testEndpoint('organizations.delete', [testRule('organizations.delete', 10, HOUR)]);

const open: GatewayLimiter[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

function redisLimiter(
  url: string,
  keyPrefix: string,
  extra: { processShare?: number; logs?: string[]; registry?: Registry } = {},
) {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      extra.logs?.push(String(chunk));
      done();
    },
  });
  const limiter = createGatewayLimiter(
    { backend: 'redis', url, keyPrefix, processShare: extra.processShare },
    { generalLimit: null, logger: pino(sink), metricsRegistry: extra.registry },
  );
  open.push(limiter);
  return limiter;
}

async function countAllowed(limiter: GatewayLimiter, req: LimitRequest, times: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < times; i++) if ((await limiter.check(req)).allow) allowed++;
  return allowed;
}

/** A relay in front of Redis (test/support/tcp-relay.ts) that the test can cut and restore. */
function startRelay() {
  return startTcpRelay(REDIS_URL.hostname, Number(REDIS_URL.port || 6379));
}

async function closedPort(): Promise<number> {
  const relay = await startRelay();
  const { port } = relay;
  await relay.close();
  return port;
}

describe('Redis limiter', () => {
  it('two processes sharing one Redis never pass more than the limit together', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = redisLimiter(REDIS_URL.href, prefix);
    const b = redisLimiter(REDIS_URL.href, prefix);
    const req = testRequest(deleteOrg);
    const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).check(req)));
    expect(decisions.filter((d) => d.allow).length).toBe(10);
    expect(a.status()).toMatchObject({ backend: 'redis', degraded: false });
    expect(b.status().degraded).toBe(false);
  });

  it('two processes split the general budget fairly through Redis', async () => {
    const prefix = `test:${randomUUID()}:`;
    const policy = { generalLimit: testRule('general', 20, HOUR), reserveFraction: 0, newcomerFraction: 0 };
    const a = createGatewayLimiter({ backend: 'redis', url: REDIS_URL.href, keyPrefix: prefix }, policy);
    const b = createGatewayLimiter({ backend: 'redis', url: REDIS_URL.href, keyPrefix: prefix }, policy);
    open.push(a, b);
    const free = testEndpoint('organizations.list', []);
    expect((await b.check(testRequest(free, { agentId: 'agt_quiet' }))).allow).toBe(true);
    const flood = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).check(testRequest(free, { agentId: 'agt_flood' })),
      ),
    );
    expect(flood.filter((d) => d.allow).length).toBe(10);
    expect(await countAllowed(a, testRequest(free, { agentId: 'agt_quiet' }), 20)).toBe(9);
  });

  it('keeps enforcing at its process share when Redis is unreachable from the start, and says so', async () => {
    const logs: string[] = [];
    const registry = new Registry();
    const port = await closedPort();
    const limiter = redisLimiter(`redis://127.0.0.1:${port}`, `test:${randomUUID()}:`, {
      processShare: 0.5,
      logs,
      registry,
    });
    expect(await countAllowed(limiter, testRequest(deleteOrg), 20)).toBe(5);
    expect(limiter.status()).toMatchObject({ backend: 'redis', degraded: true });
    expect(limiter.status().degradedSince).toBeInstanceOf(Date);
    const warnings = logs.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ processShare: 0.5 });
    expect(await registry.getSingleMetricAsString('bollard_ratelimit_degraded')).toMatch(/ 1$/);
  });

  it('falls back when Redis stops mid-run and goes back to the shared counts when it returns', async () => {
    const logs: string[] = [];
    const registry = new Registry();
    const relay = await startRelay();
    const limiter = redisLimiter(`redis://127.0.0.1:${relay.port}`, `test:${randomUUID()}:`, {
      processShare: 0.5,
      logs,
      registry,
    });
    const req = testRequest(deleteOrg);
    expect(await countAllowed(limiter, req, 4)).toBe(4);
    expect(limiter.status().degraded).toBe(false);

    await relay.cut();
    // Warm: the 4 taken through Redis were mirrored locally, so of this process's share (5) 1 is left.
    expect(await countAllowed(limiter, req, 20)).toBe(1);
    expect(limiter.status().degraded).toBe(true);
    expect(logs.some((l) => JSON.parse(l).level === 40)).toBe(true);
    expect(await registry.getSingleMetricAsString('bollard_ratelimit_degraded')).toMatch(/ 1$/);

    await relay.restore();
    try {
      // Redis kept the 4 calls made before the outage and is told the 1 taken locally: 5 more fit,
      // counting the one that finds it back.
      let allowed = 0;
      for (let i = 0; i < 200 && limiter.status().degraded; i++) {
        if ((await limiter.check(req)).allow) allowed++;
        if (limiter.status().degraded) await new Promise((r) => setTimeout(r, 50));
      }
      expect(limiter.status().degraded).toBe(false);
      allowed += await countAllowed(limiter, req, 10);
      expect(allowed).toBe(5);
      expect(await registry.getSingleMetricAsString('bollard_ratelimit_degraded')).toMatch(/ 0$/);
    } finally {
      await relay.close();
    }
  });
});
