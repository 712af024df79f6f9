import { afterAll, describe, expect, it } from 'vitest';
import { endpoints, GENERAL_RATE_LIMIT } from '../src/catalog/index.js';
import type { CatalogEndpoint, RateLimitRule, ValueSource } from '../src/catalog/types.js';
import { createGatewayLimiter, type LimitDecision, type LimitRequest } from '../src/ratelimit/index.js';
import { testRequest } from '../src/ratelimit/testing.js';

/**
 * Every limit and scope key in the real catalog, driven through the limiter: exactly `limit` calls pass for one
 * scope value, the next is refused naming the rule and the value, and another scope value has its own bucket.
 * Windows are stretched to an hour so no window can slide mid-test; the real windows are checked as data below.
 */
const HOUR = 3600;
const limiter = createGatewayLimiter({ backend: 'memory' }, { generalLimit: null });
afterAll(() => limiter.close());

/** WorkOS's limits as REFERENCE.md §4.4 and the issue state them: [limit, window seconds, scope]. */
const WORKOS_LIMITS: Record<string, [number, number, string]> = {
  'directory_sync.users': [4, 1, 'directory'],
  'organizations.delete': [50, 60, 'api_key'],
  'magic_auth.create': [3, 60, 'email'],
  'password_reset.create': [3, 60, 'email'],
  'email_verification.send': [3, 60, 'user'],
  'authkit.authenticate.email': [10, 60, 'email'],
  'authkit.authenticate.challenge': [10, 60, 'challenge'],
  'sso.authorize': [1000, 60, 'connection'],
  'authkit.reads': [1000, 10, 'environment'],
  'authkit.writes': [500, 10, 'environment'],
};

const cases = endpoints.flatMap((endpoint) =>
  endpoint.rateLimits.map((rule) => ({ name: `${endpoint.id} ${rule.id}`, endpoint, rule })),
);

function carrying(endpoint: CatalogEndpoint, source: ValueSource | undefined, value: string): LimitRequest {
  const req = testRequest(endpoint, { agentId: `agt_${endpoint.id}` });
  if (source?.in === 'path') req.params = { [source.name]: value };
  if (source?.in === 'query') req.query = new URLSearchParams({ [source.name]: value });
  // A rule that counts only some keyless calls (authenticate: by grant type) is driven with one it counts.
  const when = endpoint.rateLimits[0]?.keylessWhen;
  const counted = when ? { [when.source.name]: when.values[0] } : {};
  if (source?.in === 'body') req.body = { ...counted, [source.name]: value };
  return req;
}

async function run(req: LimitRequest, times: number): Promise<LimitDecision[]> {
  const out: LimitDecision[] = [];
  for (let i = 0; i < times; i++) out.push(await limiter.check(req));
  return out;
}

describe('catalog rate limits', () => {
  it('has rules to test, and every rule is one of the WorkOS limits with its documented size', () => {
    expect(cases.length).toBeGreaterThan(10);
    for (const { rule } of cases) {
      expect(WORKOS_LIMITS[rule.id], rule.id).toEqual([rule.limit, rule.windowSeconds, rule.scope]);
    }
    expect([GENERAL_RATE_LIMIT.limit, GENERAL_RATE_LIMIT.windowSeconds]).toEqual([6000, 60]);
  });

  it.each(cases)('$name: the limit holds per scope key', async ({ endpoint, rule }) => {
    // One endpoint, one rule, its own rule id: each case counts in buckets no other case touches.
    const isolated: RateLimitRule = { ...rule, id: `${endpoint.id}/${rule.id}`, windowSeconds: HOUR };
    const alone: CatalogEndpoint = { ...endpoint, rateLimits: [isolated] };
    const source = rule.key[0];
    const value = rule.scope === 'email' ? 'Person@Example.COM' : `${rule.scope}_01ABC`;
    const decisions = await run(carrying(alone, source, value), rule.limit + 1);
    expect(decisions.filter((d) => d.allow).length).toBe(rule.limit);
    const expectedValue = source ? (rule.scope === 'email' ? 'person@example.com' : value) : null;
    expect(decisions[rule.limit]).toMatchObject({
      allow: false,
      reason: 'workos_limit',
      rule: isolated.id,
      scope: rule.scope,
      scopeValue: expectedValue,
      limit: rule.limit,
    });
    const other = await limiter.check(carrying(alone, source, `${value}_other`));
    // A rule keyed from the request gives every scope value its own bucket; a key-less one is shared.
    expect(other.allow).toBe(source !== undefined);
  });

  it('the general limit, less the 10 % reserve, holds across all endpoints', async () => {
    // A lone agent gets the budget less the newcomer headroom; with none, exactly the budget.
    const general = createGatewayLimiter(
      { backend: 'memory' },
      { generalLimit: GENERAL_RATE_LIMIT, newcomerFraction: 0 },
    );
    const plain = endpoints.filter((e) => e.rateLimits.length === 0);
    let passed = 0;
    for (let i = 0; i < 5500; i++) {
      const d = await general.check(testRequest(plain[i % plain.length], { agentId: 'agt_general' }));
      if (d.allow) passed++;
    }
    expect(passed).toBe(5400);
    await general.close();
  });
});
