import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';
import { parseScrape } from './support/metrics.js';
import { ORG_A, PIN_SEED } from './support/pin-fixtures.js';

/**
 * The owner cache of pinned calls is bounded in memory, and made-up ids cannot turn into a stream of WorkOS
 * calls: past the per-second cap a lookup is not made and the call is denied. The clock is held still so the
 * one-second window cannot roll over while the test runs, whatever the machine's load.
 */
describe('owner lookups are bounded', () => {
  let h: Harness;
  let token: string;
  const frozen = Date.now();

  beforeAll(async () => {
    h = await startHarness({
      config: { rateLimits: 'off' },
      emulator: { seed: PIN_SEED },
      app: { now: () => frozen, ownerLookups: { maxEntries: 5, maxPerSecond: 10 } },
    });
    token = (
      await h.app.agents.create(
        { name: 'pinned', grants: [`users:read@${ORG_A}`] },
        { kind: 'admin', name: 'test' },
      )
    ).token;
  }, 60_000);
  afterAll(() => h?.close());

  it('30 made-up users: at most 10 lookups reach WorkOS, at most 5 owners are kept, every call is denied', async () => {
    await h.clearEmulatorRequests();
    const answers = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const response = await fetch(`${h.proxyUrl}/user_management/users/user_01MADEUP${i}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return {
          status: response.status,
          body: (await response.json()) as { code: string; message: string },
        };
      }),
    );
    for (const answer of answers)
      expect(answer).toMatchObject({ status: 403, body: { code: 'organization_not_allowed' } });
    const capped = answers.filter((answer) => answer.body.message.includes('owner lookups a second'));
    const lookups = (await h.emulatorRequests()).filter(
      (entry) => entry.path === '/user_management/organization_memberships',
    );
    console.log(
      `30 made-up ids: ${lookups.length} lookups reached WorkOS, ${capped.length} calls refused by the cap`,
    );
    expect(lookups).toHaveLength(10);
    expect(capped).toHaveLength(20);
    expect(
      (await h.emulatorRequests()).filter((entry) => entry.path.startsWith('/user_management/users/')),
    ).toEqual([]);
    const scrape = parseScrape(await h.app.metrics!.registry.metrics());
    expect(scrape.value('bollard_owner_cache_entries')).toBe(5);
    expect(scrape.value('bollard_owner_cache_lookups_total', { result: 'failure' })).toBe(20);
    expect(scrape.value('bollard_owner_cache_lookups_total', { result: 'miss' })).toBe(30);
  });
});
