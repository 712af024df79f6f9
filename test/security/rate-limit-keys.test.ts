import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { endpoints } from '../../src/catalog/index.js';
import type { CatalogEndpoint, RateLimitRule } from '../../src/catalog/types.js';
import { createGatewayLimiter } from '../../src/ratelimit/index.js';
import { testRequest } from '../../src/ratelimit/testing.js';
import { type Harness, startHarness } from '../support/harness.js';

/**
 * A WorkOS limit must not be dodged by leaving its key out of the request, naming the scope through something
 * else (a group instead of its directory) or spelling it differently (an email's case, a body sent as
 * text/plain or as a form). The emulator enforces WorkOS's limits; through Bollard it must never answer 429.
 */

async function call(h: Harness, token: string, path: string, init: { type?: string; body?: string } = {}) {
  const response = await fetch(`${h.proxyUrl}${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.type ? { 'content-type': init.type } : {}),
    },
    body: init.body,
  });
  await response.arrayBuffer();
  return response.status;
}

async function upstreamStatuses(h: Harness, path: string): Promise<number[]> {
  return (await h.emulatorRequests()).filter((r) => r.path === path).map((r) => r.status);
}

/** One body in three spellings WorkOS reads alike: JSON, JSON declared as text/plain, a form. */
function spelled(fields: Record<string, string>, index: number): { type: string; body: string } {
  if (index % 3 === 0) return { type: 'application/json', body: JSON.stringify(fields) };
  if (index % 3 === 1) return { type: 'text/plain', body: JSON.stringify(fields) };
  return { type: 'application/x-www-form-urlencoded', body: new URLSearchParams(fields).toString() };
}

describe('WorkOS limits through Bollard, with the key left out or spelled differently: no 429 from WorkOS', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function directoryAndGroup(token: string) {
    const get = async (path: string) =>
      (
        (await (
          await fetch(`${h!.proxyUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as {
          data: { id: string }[];
        }
      ).data[0]!.id;
    const directoryId = await get('/directories');
    const groupId = await get(`/directory_groups?directory=${directoryId}`);
    return { directoryId, groupId };
  }

  it('GET /directory_users by group and by directory together: counted against one directory, 4 per second', async () => {
    // A wider guard than the 100 ms default absorbs the in-process emulator's arrival jitter (as gateway-limits).
    h = await startHarness({ emulatorRateLimits: true, app: { limiterPolicy: { windowGuardMs: 300 } } });
    const token = await h.agent('dsync-reader', ['directory_sync:read']);
    const { directoryId, groupId } = await directoryAndGroup(token);
    await h.clearEmulatorRequests();
    // Twelve by group alone, then six by group and six by directory at once: each second, the directory's
    // counter at WorkOS sees both kinds.
    const byGroup = await Promise.all(
      Array.from({ length: 12 }, () => call(h!, token, `/directory_users?group=${groupId}`)),
    );
    const mixed = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(
          h!,
          token,
          i % 2 ? `/directory_users?group=${groupId}` : `/directory_users?directory=${directoryId}`,
        ),
      ),
    );
    expect([...byGroup, ...mixed]).toEqual(Array(24).fill(200));
    const statuses = await upstreamStatuses(h, '/directory_users');
    expect(statuses).toHaveLength(24);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    // The group was looked up once (read-only, cached), not once per call.
    expect(await upstreamStatuses(h, `/directory_groups/${groupId}`)).toEqual([200]);
  }, 60_000);

  it('POST /user_management/authenticate per email: case variants as JSON, text/plain and form share one counter', async () => {
    h = await startHarness({ emulatorRateLimits: true });
    const token = await h.agent('signer', ['users:write']);
    const emails = ['grace@acme.test', 'GRACE@acme.test', 'Grace@Acme.Test'];
    const statuses = [];
    for (let i = 0; i < 12; i++) {
      const fields = {
        grant_type: 'password',
        client_id: h.emulator.clientId,
        client_secret: token,
        email: emails[i % 3]!,
        password: 'demo-password-1',
      };
      statuses.push(await call(h, token, '/user_management/authenticate', spelled(fields, i)));
    }
    // WorkOS allows 10 per minute per email: Bollard lets 10 through and answers the rest itself.
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    const upstream = await upstreamStatuses(h, '/user_management/authenticate');
    expect(upstream).toEqual(Array(10).fill(200));
  });

  it('POST /user_management/magic_auth per email: 3 a minute whatever the spelling', async () => {
    h = await startHarness({ emulatorRateLimits: true });
    const token = await h.agent('mailer', ['magic_auth:write']);
    const emails = ['pat@example.com', 'PAT@example.com', ' Pat@Example.com'];
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        await call(h, token, '/user_management/magic_auth', spelled({ email: emails[i % 3]! }, i)),
      );
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    const upstream = await upstreamStatuses(h, '/user_management/magic_auth');
    expect(upstream).toHaveLength(3);
    expect(upstream.filter((s) => s === 429)).toEqual([]);
  });
});

describe('every catalog rule with a key: a call that leaves the key out is counted, never let off', () => {
  const limiter = createGatewayLimiter({ backend: 'memory' }, { generalLimit: null });
  afterAll(() => limiter.close());
  const keyed = endpoints.flatMap((endpoint) =>
    endpoint.rateLimits
      .filter((rule) => rule.key.length > 0)
      .map((rule) => ({ name: `${endpoint.id} ${rule.id}`, endpoint, rule })),
  );

  it('covers the per-email, per-user, per-directory, per-connection and per-challenge rules', () => {
    expect(new Set(keyed.map((c) => c.rule.scope))).toEqual(
      new Set(['email', 'user', 'directory', 'connection', 'challenge']),
    );
  });

  it.each(keyed)('$name', async ({ endpoint, rule }) => {
    // Its own rule id and an hour-long window: no other case or clock tick touches this bucket.
    const isolated: RateLimitRule = { ...rule, id: `keyless/${endpoint.id}/${rule.id}`, windowSeconds: 3600 };
    const alone: CatalogEndpoint = { ...endpoint, rateLimits: [isolated] };
    // A call the rule counts (authenticate: a grant type it names), with every key source missing.
    const body = rule.keylessWhen ? { [rule.keylessWhen.source.name]: rule.keylessWhen.values[0]! } : {};
    const decisions = [];
    for (let i = 0; i <= rule.limit; i++)
      decisions.push(await limiter.check(testRequest(alone, { body, agentId: `agt_${i}` })));
    expect(decisions.filter((d) => d.allow)).toHaveLength(rule.limit);
    expect(decisions[rule.limit]).toMatchObject({ allow: false, rule: isolated.id, scopeValue: null });
  });
});
