import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditRecords, type Harness, startHarness } from './support/harness.js';
import { scrape } from './support/metrics.js';

/**
 * Breakers per failure domain: a 5xx storm in one WorkOS area (scripted by the emulator's fault
 * injection) opens that area's breaker alone; the others are served, the 503 names the domain, and
 * each domain's state shows in the log and in /metrics.
 */
let h: Harness;
let token: string;

beforeAll(async () => {
  h = await startHarness({
    app: { breaker: { threshold: 3, halfOpenAfterMs: 300 } },
    config: { rateLimitMaxWaitMs: 0 },
  });
  token = await h.agent('both', ['organizations:read', 'directory_sync:read', 'users:read']);
});
afterAll(() => h?.close());

async function get(path: string) {
  const res = await fetch(`${h.proxyUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
}

async function storm(path: string, count: number, extra: Record<string, unknown> = { status: 503 }) {
  await fetch(`${h.emulator.url}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path, method: 'GET', count, ...extra }),
  });
}

describe('circuit breakers per failure domain', () => {
  it('a storm in directory_sync opens its breaker alone: organizations and users are still served', async () => {
    await storm('/directories', 3);
    for (let i = 0; i < 3; i++) expect((await get('/directories')).status).toBe(503);

    const refused = await get('/directories');
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({
      code: 'upstream_unavailable',
      reason: 'circuit_open',
      domain: 'directory_sync',
    });
    expect(JSON.parse(refused.body).message).toContain('directory_sync');

    // The healthy areas, through the official SDK, while directory_sync's breaker is open.
    const sdk = h.sdk(token);
    expect((await sdk.organizations.listOrganizations()).data.length).toBeGreaterThan(0);
    expect((await get('/user_management/users')).status).toBe(200);

    const metrics = await scrape(h.app.metrics!.registry);
    expect(metrics.value('bollard_upstream_breaker_state', { domain: 'directory_sync', state: 'open' })).toBe(
      1,
    );
    expect(
      metrics.value('bollard_upstream_breaker_state', { domain: 'organizations', state: 'closed' }),
    ).toBe(1);
    expect(metrics.value('bollard_upstream_breaker_state', { domain: 'users', state: 'closed' })).toBe(1);
    expect(metrics.value('bollard_upstream_short_circuits_total', { domain: 'directory_sync' })).toBe(1);
    expect(h.logs()).toContain('circuit breaker of directory_sync is open');
    expect(h.logs()).not.toContain('circuit breaker of organizations is open');

    // One area failing does not make the replica unready: the others are served here.
    const readyz = await fetch(`${h.proxyUrl}/readyz`);
    expect(readyz.status).toBe(200);

    // The short-circuited call is recorded with its domain's outcome.
    const requestId = (await auditRecords(h.app))
      .filter((r) => r.kind === 'outcome' && r.details.error === 'circuit_open')
      .map((r) => r.area);
    expect(requestId).toEqual(['directory_sync']);
  });

  it('the open domain probes by itself and closes; the probe of one domain does not touch another', async () => {
    await vi.waitFor(
      async () => {
        expect((await get('/directories')).status).toBe(200);
      },
      { timeout: 10_000, interval: 100 },
    );
    await vi.waitFor(() => expect(h.logs()).toContain('circuit breaker of directory_sync is closed'));
    const metrics = await scrape(h.app.metrics!.registry);
    expect(
      metrics.value('bollard_upstream_breaker_state', { domain: 'directory_sync', state: 'closed' }),
    ).toBe(1);
  });

  it('dropped connections and 5xx count as failures, 4xx never do', async () => {
    await storm('/organizations', 3, { status: 404 });
    for (let i = 0; i < 3; i++) expect((await get('/organizations')).status).toBe(404);
    expect((await get('/organizations')).status).toBe(200);
    await storm('/organizations', 3, { drop: true });
    await storm('/organizations', 3, { status: 502 });
    for (let i = 0; i < 3; i++) expect((await get('/organizations')).status).toBeGreaterThanOrEqual(500);
    expect(JSON.parse((await get('/organizations')).body)).toMatchObject({ domain: 'organizations' });
    expect((await get('/user_management/users')).status).toBe(200);
  });

  it('the replica turns unready only when every area it called is open', async () => {
    await storm('/user_management/users', 3);
    await storm('/directories', 3);
    for (let i = 0; i < 3; i++) {
      await get('/user_management/users');
      await get('/directories');
    }
    const states = await scrape(h.app.metrics!.registry);
    const open = states
      .samples('bollard_upstream_breaker_state')
      .filter((s) => s.labels.state === 'open' && s.value === 1)
      .map((s) => s.labels.domain)
      .sort();
    expect(open).toEqual(['directory_sync', 'organizations', 'users']);
    const readyz = await fetch(`${h.proxyUrl}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({ checks: { upstream: false } });
  });
});
