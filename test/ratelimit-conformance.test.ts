import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitRule } from '../src/catalog/types.js';
import {
  createGatewayLimiter,
  type GatewayLimiter,
  type LimitDecision,
  type LimiterPolicy,
  type LimitRequest,
} from '../src/ratelimit/index.js';
import { testEndpoint, testRequest, testRule } from '../src/ratelimit/testing.js';
import { type RedisCluster, startRedisCluster } from './support/redis-cluster.js';

/**
 * One suite, every backend: the memory and Redis limiters must decide identically.
 * Refusal cases use hour-long windows so a slow machine can never let a window slide mid-test;
 * recovery cases use 1-second windows and wait for the Retry-After the limiter gave.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HOUR = 3600;

// A real Redis Cluster (three masters on loopback ports, started here): the script must find every key it
// touches declared and in one slot, or Redis Cluster refuses it (CROSSSLOT, or a key on another node).
let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
}, 60_000);
afterAll(() => cluster?.close());

const backends = [
  // The exact counts below are for shares without the newcomer headroom; one case turns it on.
  {
    name: 'memory',
    make: (policy: LimiterPolicy) =>
      createGatewayLimiter({ backend: 'memory' }, { newcomerFraction: 0, ...policy }),
  },
  {
    name: 'redis',
    make: (policy: LimiterPolicy) =>
      createGatewayLimiter(
        { backend: 'redis', url: REDIS_URL, keyPrefix: `test:${randomUUID()}:` },
        { newcomerFraction: 0, ...policy },
      ),
  },
  {
    name: 'redis cluster',
    make: (policy: LimiterPolicy) =>
      createGatewayLimiter(
        { backend: 'redis', url: cluster.url, cluster: true, keyPrefix: `test:${randomUUID()}:` },
        { newcomerFraction: 0, ...policy },
      ),
  },
];

const directory = testRule('directory_sync.users', 4, HOUR, 'directory', [
  { in: 'query', name: 'directory' },
  { in: 'path', name: 'directoryId' },
]);
const listUsers = testEndpoint('directory_sync.list_users', [directory]);
const magic = testRule('magic_auth.send', 3, HOUR, 'email', [{ in: 'body', name: 'email' }]);
const sendMagic = testEndpoint('magic_auth.send', [magic]);

async function run(limiter: GatewayLimiter, req: LimitRequest, times: number): Promise<LimitDecision[]> {
  const out: LimitDecision[] = [];
  for (let i = 0; i < times; i++) out.push(await limiter.check(req));
  return out;
}
const allowed = (decisions: LimitDecision[]) => decisions.filter((d) => d.allow).length;
const byDirectory = (id: string) => testRequest(listUsers, { query: new URLSearchParams({ directory: id }) });

describe.each(backends)('limiter conformance: $name', ({ make }) => {
  const open: GatewayLimiter[] = [];
  const limiter = (policy: LimiterPolicy = { generalLimit: null }) => {
    const l = make(policy);
    open.push(l);
    return l;
  };
  afterEach(async () => {
    // A Redis limiter that fell back to local limits would pass this suite without testing Redis at all.
    for (const l of open) expect(l.status().degraded).toBe(false);
    await Promise.all(open.splice(0).map((l) => l.close()));
  });

  it('allows up to the limit, then refuses with the rule, scope and an integer Retry-After', async () => {
    const l = limiter();
    const decisions = await run(l, byDirectory('directory_A'), 6);
    expect(decisions.map((d) => d.allow)).toEqual([true, true, true, true, false, false]);
    expect(decisions[4]).toEqual({
      allow: false,
      reason: 'workos_limit',
      rule: 'directory_sync.users',
      scope: 'directory',
      scopeValue: 'directory_A',
      limit: 4,
      windowSeconds: HOUR,
      retryAfterSeconds: expect.any(Number),
      retryAfterMs: expect.any(Number),
    });
    const refused = decisions[4];
    if (refused.allow) throw new Error('unreachable');
    expect(Number.isInteger(refused.retryAfterSeconds)).toBe(true);
    expect(refused.retryAfterSeconds).toBeGreaterThan(HOUR - 60);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(HOUR + 1);
  });

  it('keeps one bucket per scope value, read from any of the rule sources', async () => {
    const l = limiter();
    expect(allowed(await run(l, byDirectory('directory_A'), 4))).toBe(4);
    expect((await l.check(byDirectory('directory_A'))).allow).toBe(false);
    expect(allowed(await run(l, byDirectory('directory_B'), 5))).toBe(4);
    const fromPath = testRequest(listUsers, { params: { directoryId: 'directory_C' } });
    expect(allowed(await run(l, fromPath, 5))).toBe(4);
  });

  it('counts emails case-insensitively', async () => {
    const l = limiter();
    const emails = ['Ann@Example.com', 'ann@example.com', ' ANN@EXAMPLE.COM ', 'ann@example.com'];
    const decisions = [];
    for (const email of emails) decisions.push(await l.check(testRequest(sendMagic, { body: { email } })));
    expect(decisions.map((d) => d.allow)).toEqual([true, true, true, false]);
    expect(decisions[3]).toMatchObject({ scope: 'email', scopeValue: 'ann@example.com' });
    expect((await l.check(testRequest(sendMagic, { body: { email: 'bob@example.com' } }))).allow).toBe(true);
  });

  it('counts a scoped rule with no key source in one bucket per rule', async () => {
    const l = limiter();
    const unkeyed = testRule('directory_sync.users', 4, HOUR, 'directory', []);
    const getUser = testEndpoint('directory_sync.get_user', [unkeyed]);
    const decisions = [];
    for (const id of ['u1', 'u2', 'u3', 'u4', 'u5'])
      decisions.push(await l.check(testRequest(getUser, { params: { id } })));
    expect(decisions.map((d) => d.allow)).toEqual([true, true, true, true, false]);
    expect(decisions[4]).toMatchObject({
      rule: 'directory_sync.users',
      scope: 'directory',
      scopeValue: null,
    });
  });

  it('skips a rule only for the keyless calls its `keylessWhen` does not name', async () => {
    const l = limiter();
    const challenge: RateLimitRule = {
      ...testRule('authenticate.challenge', 1, HOUR, 'challenge', [
        { in: 'body', name: 'authentication_challenge_id' },
      ]),
      keylessWhen: { source: { in: 'body', name: 'grant_type' }, values: ['totp'] },
    };
    const authenticate = testEndpoint('users.authenticate', [challenge]);
    const refresh = testRequest(authenticate, { body: { grant_type: 'refresh_token' } });
    expect(allowed(await run(l, refresh, 5))).toBe(5);
    const totp = testRequest(authenticate, {
      body: { grant_type: 'totp', authentication_challenge_id: 'auth_challenge_1' },
    });
    const decisions = await run(l, totp, 2);
    expect(decisions[1]).toMatchObject({ allow: false, scope: 'challenge', scopeValue: 'auth_challenge_1' });
    // A counted grant that leaves its key out is not let off: it counts in the rule's shared bucket.
    const keyless = testRequest(authenticate, { body: { grant_type: 'totp' } });
    expect((await run(l, keyless, 2)).map((d) => d.allow)).toEqual([true, false]);
    // A call that names a key value counts under it, whatever its grant type.
    const named = testRequest(authenticate, {
      body: { grant_type: 'refresh_token', authentication_challenge_id: 'auth_challenge_2' },
    });
    expect((await run(l, named, 2)).map((d) => d.allow)).toEqual([true, false]);
  });

  it('counts a keyed rule whose key the request leaves out in one shared bucket, never skips it', async () => {
    const l = limiter();
    const keyless = testRequest(sendMagic, { body: { mail: 'a@example.com' } });
    const decisions = await run(l, keyless, 4);
    expect(decisions.map((d) => d.allow)).toEqual([true, true, true, false]);
    expect(decisions[3]).toMatchObject({ rule: 'magic_auth.send', scope: 'email', scopeValue: null });
    // Values it was resolved to (a group's directory) key it like the spelled-out value.
    const resolved = testRequest(sendMagic, {
      body: {},
      resolvedKeys: { 'magic_auth.send': 'b@example.com' },
    });
    const spelled = testRequest(sendMagic, { body: { email: 'B@Example.com' } });
    expect(allowed([...(await run(l, resolved, 2)), ...(await run(l, spelled, 2))])).toBe(3);
  });

  it('refunds: a call refused by a later bucket consumes nothing from the earlier ones', async () => {
    const l = limiter();
    const shared = testRule('authkit.reads', 2, HOUR);
    const both = testEndpoint('users.get', [shared, testRule('tight', 1, HOUR)]);
    const onlyShared = testEndpoint('users.list', [shared]);
    expect((await l.check(testRequest(both))).allow).toBe(true);
    expect(await l.check(testRequest(both))).toMatchObject({ allow: false, rule: 'tight' });
    expect((await l.check(testRequest(onlyShared))).allow).toBe(true);
    expect(await l.check(testRequest(onlyShared))).toMatchObject({ allow: false, rule: 'authkit.reads' });
  });

  it('gives the budget back when an allowed call is released', async () => {
    const l = limiter();
    const first = await run(l, byDirectory('directory_R'), 4);
    expect((await l.check(byDirectory('directory_R'))).allow).toBe(false);
    const decision = first[0];
    if (!decision.allow || !decision.release) throw new Error('expected a release handle');
    await decision.release();
    expect((await l.check(byDirectory('directory_R'))).allow).toBe(true);
    expect((await l.check(byDirectory('directory_R'))).allow).toBe(false);
  });

  it('counts a call from when it was sent: restamping moves its entry to now', async () => {
    const l = limiter({ generalLimit: null });
    const second = testRule('per_second', 1, 1, 'api_key', []);
    const request = testRequest(testEndpoint('organizations.list', [second]), { agentId: 'agt_a' });
    const first = await l.check(request);
    if (!first.allow) throw new Error('the first call must pass');
    await new Promise((resolve) => setTimeout(resolve, 700));
    await first.sent?.();
    await new Promise((resolve) => setTimeout(resolve, 700));
    // 1.4 s after the take but 0.7 s after the send: still inside the window.
    expect(await l.check(request)).toMatchObject({ allow: false, rule: 'per_second' });
  });

  it('allows again once the Retry-After it gave has passed', async () => {
    const l = limiter({ generalLimit: null, windowGuardMs: 0 });
    const perSecond = testEndpoint('dsync', [
      testRule('per_second', 2, 1, 'directory', [{ in: 'query', name: 'd' }]),
    ]);
    const req = testRequest(perSecond, { query: new URLSearchParams({ d: 'x' }) });
    let refusal: LimitDecision | undefined;
    for (let i = 0; i < 10 && !refusal; i++) {
      const d = await l.check(req);
      if (!d.allow) refusal = d;
    }
    if (!refusal || refusal.allow) throw new Error('expected a refusal within 10 calls');
    expect(refusal.retryAfterSeconds).toBe(1);
    await new Promise((r) => setTimeout(r, refusal.retryAfterSeconds * 1000 + 50));
    expect((await l.check(req)).allow).toBe(true);
  });

  it('applies per-agent quotas per minute and per day, to that agent only', async () => {
    const l = limiter();
    const free = testEndpoint('organizations.list', []);
    const quota = { perMinute: 3, perDay: 5 };
    const a = testRequest(free, { agentId: 'agt_a', agentQuota: quota });
    const minute = await run(l, a, 4);
    expect(allowed(minute)).toBe(3);
    expect(minute[3]).toMatchObject({
      reason: 'agent_quota',
      rule: 'quota.per_minute',
      scope: 'agent',
      scopeValue: 'agt_a',
      limit: 3,
      windowSeconds: 60,
    });
    const day = testRequest(free, { agentId: 'agt_b', agentQuota: { perMinute: 100, perDay: 2 } });
    const daily = await run(l, day, 3);
    expect(allowed(daily)).toBe(2);
    expect(daily[2]).toMatchObject({ reason: 'agent_quota', rule: 'quota.per_day', windowSeconds: 86_400 });
    expect(allowed(await run(l, testRequest(free, { agentId: 'agt_c' }), 10))).toBe(10);
  });

  describe('fair shares of the general budget', () => {
    const general = testRule('general', 10, HOUR);
    const any = testEndpoint('organizations.list', []);
    const agent = (agentId: string | null, agentWeight = 1) => testRequest(any, { agentId, agentWeight });

    it('keeps back the reserve and lets a lone agent borrow the whole rest', async () => {
      const l = limiter({ generalLimit: general, reserveFraction: 0.2 });
      const decisions = await run(l, agent('agt_a'), 10);
      expect(allowed(decisions)).toBe(8);
      expect(decisions[8]).toMatchObject({ reason: 'workos_limit', rule: 'general', limit: 8 });
    });

    it('an agent that floods cannot take what another active agent is owed', async () => {
      const l = limiter({ generalLimit: general, reserveFraction: 0 });
      expect((await l.check(agent('agt_quiet'))).allow).toBe(true);
      const flood = await run(l, agent('agt_flood'), 20);
      expect(allowed(flood)).toBe(5);
      expect(flood[5]).toMatchObject({
        reason: 'fair_share',
        scope: 'agent',
        scopeValue: 'agt_flood',
        limit: 5,
      });
      expect(allowed(await run(l, agent('agt_quiet'), 4))).toBe(4);
      expect(await l.check(agent('agt_quiet'))).toMatchObject({ allow: false, reason: 'workos_limit' });
    });

    it('splits by weight', async () => {
      const l = limiter({ generalLimit: testRule('general', 8, HOUR), reserveFraction: 0 });
      expect((await l.check(agent('agt_small', 1))).allow).toBe(true);
      expect(allowed(await run(l, agent('agt_big', 3), 10))).toBe(6);
      expect(allowed(await run(l, agent('agt_small', 1), 10))).toBe(1);
    });

    it('an agent refused while the pool was full still claims its share afterwards', async () => {
      const l = limiter({ generalLimit: general, reserveFraction: 0 });
      const flood = await run(l, agent('agt_flood'), 10);
      expect(allowed(flood)).toBe(10);
      expect(await l.check(agent('agt_late'))).toMatchObject({ allow: false, reason: 'workos_limit' });
      for (const d of flood) if (d.allow && d.release) await d.release();
      expect(allowed(await run(l, agent('agt_flood'), 10))).toBe(5);
      expect(allowed(await run(l, agent('agt_late'), 10))).toBe(5);
    });

    it('a flood that started first leaves the headroom for an idle agent, which then claims its share', async () => {
      const l = limiter({ generalLimit: general, reserveFraction: 0, newcomerFraction: 0.2 });
      expect(allowed(await run(l, agent('agt_flood'), 20))).toBe(8);
      expect(allowed(await run(l, agent('agt_late'), 2))).toBe(2);
      expect(await l.check(agent('agt_late'))).toMatchObject({ allow: false, reason: 'workos_limit' });
      expect(await l.check(agent('agt_flood'))).toMatchObject({ allow: false });
    });

    it('counts anonymous calls as one participant, without quotas', async () => {
      const l = limiter({ generalLimit: general, reserveFraction: 0 });
      expect((await l.check(agent('agt_a'))).allow).toBe(true);
      const anonymous = testRequest(any, { agentId: null, agentQuota: { perMinute: 1 } });
      expect(allowed(await run(l, anonymous, 20))).toBe(5);
    });
  });
});
