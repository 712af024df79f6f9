import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/store/index.js';
import { type Harness, startHarness } from '../support/harness.js';

/**
 * A call parked for a WorkOS rate limit was checked against the grants of before its wait. A revocation, a
 * disabled agent or a narrowed grant must wake it at once and refuse it — not let it reach WorkOS when its
 * sleep ends. The directory-users limit is 4 per second; the windows are stretched by a 60 s guard so a
 * parked call would sleep a minute: a refusal within the test's timeout can only come from the wake-up.
 */
const admin = { kind: 'admin' as const, name: 'test' };

async function listDirectoryUsers(h: Harness, token: string, directoryId: string) {
  const started = Date.now();
  const response = await fetch(`${h.proxyUrl}/directory_users?directory=${directoryId}&limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { code?: string; reason?: string };
  return { status: response.status, body, answeredAt: Date.now(), started };
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}`);
}

async function parkedHarness(config: Partial<ConfigInput> = {}) {
  const h = await startHarness({
    emulatorRateLimits: true,
    config: { rateLimitMaxWaitMs: 120_000, ...config },
    app: { limiterPolicy: { windowGuardMs: 60_000 } },
  });
  const lister = await h.agent('lister', ['directory_sync:read']);
  const directories = await fetch(`${h.proxyUrl}/directories`, {
    headers: { authorization: `Bearer ${lister}` },
  });
  const directoryId = ((await directories.json()) as { data: { id: string }[] }).data[0]!.id;
  await h.clearEmulatorRequests();
  return { h, directoryId };
}

/** Sends 12 calls for one directory; resolves once 4 have been forwarded and 8 are parked, with their answers to come. */
async function parkEight(h: Harness, token: string, directoryId: string) {
  const calls = Promise.all(Array.from({ length: 12 }, () => listDirectoryUsers(h, token, directoryId)));
  // Four fit the 4-per-second window; the other eight are parked, each listening for credential changes.
  const forwarded = async () =>
    (await h.emulatorRequests()).filter((r) => r.path === '/directory_users').length;
  await until(async () => (await forwarded()) === 4, '4 calls forwarded');
  await until(() => h.app.credentials.subscribers === 8, '8 calls parked');
  return { calls };
}

/** The 12 answers: 4 forwarded, 8 refused as `expected` soon after `changedAt`. Returns the slowest refusal, ms. */
function expectEightRefused(
  results: Awaited<ReturnType<typeof listDirectoryUsers>>[],
  changedAt: number,
  expected: { status: number; code: string },
): number {
  const refused = results.filter((r) => r.status !== 200);
  expect(results.filter((r) => r.status === 200)).toHaveLength(4);
  expect(refused).toHaveLength(8);
  for (const r of refused)
    expect(r).toMatchObject({ status: expected.status, body: { code: expected.code } });
  const latest = Math.max(...refused.map((r) => r.answeredAt - changedAt));
  // Parked for a 61 s window, they are answered as soon as the change lands (measured: tens of ms).
  expect(latest).toBeLessThan(10_000);
  return latest;
}

async function directoryOrganization(h: Harness, directoryId: string): Promise<string> {
  const response = await fetch(`${h.emulator.url}/directories/${directoryId}`, {
    headers: { authorization: `Bearer ${h.emulator.apiKey}` },
  });
  return ((await response.json()) as { organization_id: string }).organization_id;
}

describe('a change to the agent cancels its calls parked for a rate limit', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const changes = [
    {
      change: 'the token is revoked',
      status: 401,
      code: 'unauthorized',
      rule: 'recheck:auth:revoked_token',
      apply: (h: Harness) => h.app.agents.revoke('parked', admin),
    },
    {
      change: 'the agent is disabled',
      status: 401,
      code: 'unauthorized',
      rule: 'recheck:',
      apply: (h: Harness) => h.app.agents.update('parked', { enabled: false }, admin),
    },
    {
      change: 'its grant is narrowed to another area',
      status: 403,
      code: 'permission_denied',
      rule: 'recheck:',
      apply: (h: Harness) => h.app.agents.update('parked', { grants: ['users:read'] }, admin),
    },
    {
      change: 'its organization pin is narrowed to another organization',
      status: 403,
      code: 'organization_not_allowed',
      rule: 'recheck:pin:grant:directory_sync',
      pinned: true,
      apply: (h: Harness) =>
        h.app.agents.update('parked', { grants: ['directory_sync:read@org_01ELSEWHERE'] }, admin),
    },
    {
      change: 'an operator freezes the agent',
      status: 403,
      code: 'frozen',
      rule: 'recheck:freeze:agent:parked',
      apply: (h: Harness) =>
        h.app.freezes.freeze(
          { target: { agent: 'parked' }, reason: 'incident 42' },
          { name: 'alice', role: 'admin' },
        ),
    },
  ];

  it.each(changes)(
    '$change: 8 parked calls refused at once, none reaches WorkOS, each recorded',
    async (c) => {
      const started = await parkedHarness();
      h = started.h;
      // A pinned agent starts pinned to the directory's own organization, so its calls pass until the change.
      const organization = c.pinned ? await directoryOrganization(h, started.directoryId) : null;
      const token = await h.agent('parked', [
        organization ? `directory_sync:read@${organization}` : 'directory_sync:read',
      ]);
      const { calls } = await parkEight(h, token, started.directoryId);

      const changedAt = Date.now();
      await c.apply(h);
      const latest = expectEightRefused(await calls, changedAt, c);
      console.log(`${c.change}: 8 parked calls refused within ${latest} ms of the change`);

      expect(h.app.credentials.subscribers).toBe(0);
      const upstream = await h.emulatorRequests();
      expect(upstream.filter((r) => r.path === '/directory_users')).toHaveLength(4);
      await h.app.audit.flush();
      const records = await h.app.store.queryAudit({ decision: 'deny', limit: 100 });
      const denials = records.filter((r) => r.rule?.startsWith(c.rule));
      expect(denials).toHaveLength(8);
      for (const denial of denials) expect(denial).toMatchObject({ agentName: 'parked', status: c.status });
    },
    60_000,
  );
});

describe.skipIf(process.env.STORES === 'sqlite')('across replicas sharing PostgreSQL', () => {
  let replicas: Harness[] = [];
  let database: ScratchDatabase | undefined;
  afterEach(async () => {
    for (const replica of replicas) await replica.close();
    replicas = [];
    await database?.drop();
    database = undefined;
  });

  it('a token revoked on another replica wakes and refuses the calls parked on this one', async () => {
    database = await createScratchDatabase(
      process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    );
    const started = await parkedHarness({ databaseUrl: database.url });
    const other = await startHarness({ config: { databaseUrl: database.url } });
    replicas = [started.h, other];
    const token = await started.h.agent('parked', ['directory_sync:read']);
    const { calls } = await parkEight(started.h, token, started.directoryId);

    const changedAt = Date.now();
    await other.app.agents.revoke('parked', admin);
    const latest = expectEightRefused(await calls, changedAt, { status: 401, code: 'unauthorized' });
    console.log(`revoked on another replica: 8 parked calls refused within ${latest} ms`);
    const upstream = await started.h.emulatorRequests();
    expect(upstream.filter((r) => r.path === '/directory_users')).toHaveLength(4);
  }, 60_000);
});

describe('a call is checked again just before its write-ahead record', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Sends the headers and half the body, runs `between`, then the rest: Bollard reads the body in between. */
  function postInTwoHalves(url: string, token: string, body: string, between: () => Promise<unknown>) {
    const target = new URL(url);
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += String(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      const half = Math.floor(body.length / 2);
      req.write(body.slice(0, half));
      between().then(() => req.end(body.slice(half)), reject);
    });
  }

  it('a token revoked while the body was being read: refused (401), recorded, its rate-limit budget given back', async () => {
    h = await startHarness({ emulatorRateLimits: true });
    const revoked = await h.agent('slow-writer', ['magic_auth:write']);
    const other = await h.agent('other-writer', ['magic_auth:write']);
    const email = 'budget@example.com';
    const result = await postInTwoHalves(
      `${h.proxyUrl}/user_management/magic_auth`,
      revoked,
      JSON.stringify({ email }),
      async () => {
        // The call has been authenticated and authorized and is waiting for the rest of its body.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await h!.app.agents.revoke('slow-writer', admin);
      },
    );
    expect(result.status).toBe(401);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'unauthorized', reason: 'revoked_token' });
    // WorkOS allows 3 magic-auth codes per email per minute. Had the refused call kept its place in Bollard's
    // bucket, the third call below would be refused by Bollard.
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${h.proxyUrl}/user_management/magic_auth`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([201, 201, 201]);
    const upstream = (await h.emulatorRequests()).filter((r) => r.path === '/user_management/magic_auth');
    expect(upstream).toHaveLength(3);
    await h.app.audit.flush();
    const denial = (await h.app.store.queryAudit({ decision: 'deny', limit: 10 })).find(
      (r) => r.rule === 'recheck:auth:revoked_token',
    );
    expect(denial).toMatchObject({ agentName: 'slow-writer', status: 401 });
  });
});
