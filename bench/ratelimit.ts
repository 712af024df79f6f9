/**
 * Limiter cost per check, in µs: a typical call (one scoped WorkOS rule + fair share of the general budget,
 * 20 agents) on the memory backend and, when REDIS_URL is set, on Redis — sequential (latency) and with 64
 * checks in flight (throughput). Limits are set high enough that nothing is refused. Reports, never judges.
 * Run: node --import tsx bench/ratelimit.ts   (REDIS_URL=redis://127.0.0.1:6379 for the Redis rows)
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createGatewayLimiter, type GatewayLimiter } from '../src/ratelimit/index.js';
import { testEndpoint, testRequest, testRule } from '../src/ratelimit/testing.js';

/** Per measurement, each on a fresh limiter: logs then hold about as many entries as WorkOS's 6,000/60 s allows. */
const CHECKS = 5_000;
const IN_FLIGHT = 64;
const AGENTS = 20;
const endpoint = testEndpoint('directory_sync.list_users', [
  testRule('directory_sync.users', 1e9, 1, 'directory', [{ in: 'query', name: 'directory' }]),
]);
const requests = Array.from({ length: AGENTS }, (_, i) =>
  testRequest(endpoint, {
    agentId: `agt_${i}`,
    query: new URLSearchParams({ directory: `directory_${i % 5}` }),
  }),
);
const policy = { generalLimit: testRule('general', 1e9, 60), logger: undefined };

async function measure(limiter: GatewayLimiter, inFlight: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < CHECKS) {
      const decision = await limiter.check(requests[next++ % AGENTS]);
      if (!decision.allow) throw new Error('the benchmark must not hit a limit');
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return ((performance.now() - started) * 1000) / CHECKS;
}

async function report(name: string, make: () => GatewayLimiter): Promise<void> {
  const run = async (inFlight: number) => {
    const limiter = make();
    await limiter.check(requests[0]); // connection and script load
    const us = await measure(limiter, inFlight);
    if (limiter.status().degraded)
      console.log(`${name}: degraded during the run; figures are for local limits`);
    await limiter.close();
    return us;
  };
  await run(1); // warm-up: JIT
  const sequential = await run(1);
  const parallel = await run(IN_FLIGHT);
  console.log(
    `${name.padEnd(8)} ${sequential.toFixed(1).padStart(8)} µs/check sequential   ${parallel.toFixed(1).padStart(8)} µs/check with ${IN_FLIGHT} in flight`,
  );
}

await report('memory', () => createGatewayLimiter({ backend: 'memory' }, policy));
const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  await report('redis', () =>
    createGatewayLimiter({ backend: 'redis', url: redisUrl, keyPrefix: `bench:${randomUUID()}:` }, policy),
  );
} else {
  console.log('redis    skipped: set REDIS_URL to measure the Redis backend');
}
