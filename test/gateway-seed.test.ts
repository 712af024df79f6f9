import { GenericServerException } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';
import { ALL_SEED_GRANTS, findSeedIds, SEED_CALLS, type SeedIds } from './support/seed-calls.js';

/** The permission one step short of `permission`: read where write is needed, else another area. */
function lacking(permission: string): string {
  const [area, access] = permission.split(':');
  return access === 'write' ? `${area}:read` : area === 'users' ? 'organizations:write' : 'users:write';
}

describe('every seed endpoint through Bollard with the official SDK', () => {
  let h: Harness;
  let ids: SeedIds;
  let adminToken: string;

  beforeAll(async () => {
    h = await startHarness();
    adminToken = await h.agent('everything', ALL_SEED_GRANTS);
    ids = await findSeedIds(h.sdk(adminToken), h.emulator.clientId);
  });
  afterAll(() => h?.close());

  for (const call of SEED_CALLS) {
    it(`row ${call.row}: ${call.name} needs ${call.permission}`, async () => {
      const admin = h.sdk(adminToken);
      const slug = call.name
        .replace(/[^a-z]/gi, '')
        .toLowerCase()
        .slice(0, 40);
      const allowedToken = await h.agent(`ok-${slug}-${call.row}`, [call.permission]);
      const deniedToken = await h.agent(`no-${slug}-${call.row}`, [lacking(call.permission)]);

      const deniedMade = call.setup ? await call.setup(admin, ids) : {};
      await h.clearEmulatorRequests();
      const denial = await call.run(h.sdk(deniedToken), ids, deniedMade).then(
        () => null,
        (error: unknown) => error,
      );
      expect(denial).toBeInstanceOf(GenericServerException);
      const denied = denial as GenericServerException;
      expect(denied.status).toBe(403);
      expect(denied.code).toBe('permission_denied');
      expect(denied.message).toContain(call.permission);
      expect((denied.rawData as { required_permission?: string }).required_permission).toBe(call.permission);
      expect(await h.emulatorRequests()).toEqual([]);

      const made = call.setup ? await call.setup(admin, ids) : {};
      await h.clearEmulatorRequests();
      await call.run(h.sdk(allowedToken), ids, made).catch((error: unknown) => {
        // Deleting ids that do not exist is still an allowed call; WorkOS answers 404 for it.
        if (!(error instanceof Error && 'status' in error && (error as { status: number }).status === 404))
          throw error;
      });
      const received = await h.emulatorRequests();
      expect(received.length).toBeGreaterThanOrEqual(1);
      for (const entry of received) expect(JSON.stringify(entry)).not.toContain(allowedToken);
    });
  }

  it("sso.getProfile passes the end user's SSO access token through: WorkOS, not Bollard, authorizes it", async () => {
    const sso = h.sdk(await h.agent('sso-reader', ['sso:read']));
    const url = sso.sso.getAuthorizationUrl({
      connection: ids.connectionId,
      clientId: ids.clientId,
      redirectUri: 'http://127.0.0.1:1/cb',
    });
    const code = new URL(
      (await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '',
    ).searchParams.get('code')!;
    const { accessToken, profile } = await sso.sso.getProfileAndToken({ code, clientId: ids.clientId });
    await h.clearEmulatorRequests();
    const fetched = await sso.sso.getProfile({ accessToken });
    expect(fetched.id).toBe(profile.id);
    const [received] = await h.emulatorRequests();
    expect(received?.path).toBe('/sso/profile');
    expect(JSON.stringify(received)).not.toContain(h.emulator.apiKey);
  });

  it('row 20: GET /sso/authorize is a browser redirect that passes without a token', async () => {
    const url = h.sdk(adminToken).sso.getAuthorizationUrl({
      connection: ids.connectionId,
      clientId: ids.clientId,
      redirectUri: 'http://127.0.0.1:1/callback',
      state: 'xyz',
    });
    expect(url.startsWith(h.proxyUrl)).toBe(true);
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('code')).toBeTruthy();
  });
});
