import { afterEach, describe, expect, it } from 'vitest';
import { callsRepresented, type Harness, startHarness } from './support/harness.js';
import { findSeedIds } from './support/seed-calls.js';

async function get(h: Harness, token: string, target: string) {
  const response = await fetch(`${h.proxyUrl}${target}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe('rate limits: Bollard shapes traffic so WorkOS never has to say 429', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('100 concurrent directorySync.listUsers for one directory, through the SDK with its retries: all succeed, WorkOS answers no 429', async () => {
    // The emulator runs in this process, so under a loaded test run a request can reach it a few hundred ms
    // after Bollard sent it; a wider guard than the 100 ms default absorbs that arrival jitter.
    h = await startHarness({ emulatorRateLimits: true, app: { limiterPolicy: { windowGuardMs: 300 } } });
    const token = await h.agent('dsync-reader', ['directory_sync:read']);
    const ids = await findSeedIds(
      h.sdk(
        await h.agent('seed-reader', ['organizations:read', 'users:read', 'sso:read', 'directory_sync:read']),
      ),
      h.emulator.clientId,
    );
    await new Promise((resolve) => setTimeout(resolve, 1100)); // let the finder's directory calls leave the window
    await h.clearEmulatorRequests();
    const workos = h.sdk(token, { maxRetries: 3 });
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () =>
        workos.directorySync.listUsers({ directory: ids.directoryId, limit: 5 }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const received = (await h.emulatorRequests()).filter((r) => r.path === '/directory_users');
    expect(received).toHaveLength(100);
    expect(received.filter((r) => r.status === 429)).toHaveLength(0);
    // And the upstream never saw more than 4 in any one second.
    const times = received.map((r) => Date.parse(r.time)).sort((a, b) => a - b);
    // (The emulator stamps a request when it has answered it, so allow for its handling time.)
    for (let i = 4; i < times.length; i++) expect(times[i]! - times[i - 4]!).toBeGreaterThanOrEqual(900);
  }, 90_000);

  it('two agents, one flooding: the other keeps getting its share', async () => {
    h = await startHarness({
      config: { generalLimit: '40/2', rateLimitReserve: 0 },
    });
    const flooder = await h.agent('flooder', ['organizations:read']);
    const steady = await h.agent('steady', ['organizations:read']);
    const flood = Promise.all(Array.from({ length: 200 }, () => get(h!, flooder, '/organizations')));
    const steadyResults = [];
    for (let i = 0; i < 10; i++) {
      steadyResults.push(await get(h, steady, '/organizations'));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const floodResults = await flood;
    expect(steadyResults.map((r) => r.status)).toEqual(Array(10).fill(200));
    const refused = floodResults.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(100);
    expect(refused.every((r) => (JSON.parse(r.body) as { reason: string }).reason === 'fair_share')).toBe(
      true,
    );
    const body = JSON.parse(refused[0]!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'rate_limit_exceeded' });
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Repeated identical refusals are aggregated: every refused call is in a record, alone or counted.
    await h.app.agentDenials.flush();
    await h.app.audit.flush();
    const records = await h.app.store.queryAudit({ decision: 'deny', limit: 1000 });
    const limited = records.filter((r) => r.reason === 'fair_share' || r.reason === 'workos_limit');
    expect(limited.reduce((sum, record) => sum + callsRepresented(record), 0)).toBe(refused.length);
  });

  it('opens the circuit when WorkOS keeps failing, fails fast with 503 and Retry-After, and recovers by itself', async () => {
    h = await startHarness({
      app: { breaker: { threshold: 3, halfOpenAfterMs: 600 } },
      config: { rateLimitMaxWaitMs: 0 },
    });
    const token = await h.agent('reader', ['organizations:read']);
    await fetch(`${h.emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/organizations', method: 'GET', count: 3, status: 503 }),
    });
    await h.clearEmulatorRequests();
    const failing = [];
    for (let i = 0; i < 3; i++) failing.push(await get(h, token, '/organizations'));
    expect(failing.map((r) => r.status)).toEqual([503, 503, 503]);
    expect(failing[0]!.headers.get('retry-after')).toBeTruthy(); // WorkOS's 503 passed back with a Retry-After
    const fast = await get(h, token, '/organizations');
    expect(fast.status).toBe(503);
    expect(JSON.parse(fast.body)).toMatchObject({ code: 'upstream_unavailable', reason: 'circuit_open' });
    expect(Number(fast.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await h.emulatorRequests()).toHaveLength(3); // the open circuit answered alone: nothing more sent
    await new Promise((resolve) => setTimeout(resolve, 700));
    const recovered = await get(h, token, '/organizations');
    expect(recovered.status).toBe(200);
    expect((await get(h, token, '/organizations')).status).toBe(200);
  });
});
