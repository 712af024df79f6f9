import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { callsRepresented } from '../src/audit/draft.js';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import { createScratchDatabase, type ScratchDatabase } from '../src/store/index.js';
import { type BollardProcess, startBollardProcess } from './support/processes.js';
import { startTcpRelay, type TcpRelay } from './support/tcp-relay.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_TOKEN = `boladm_replica_test_${Math.random().toString(36).slice(2)}`;
const skip = process.env.STORES === 'sqlite';
/**
 * The suite's other files share this PostgreSQL server, so by default the outage is a relay that drops
 * every connection and refuses new ones. REAL_PG_RESTART=1 (run this file alone) stops and starts the
 * server itself with pg_ctlcluster instead.
 */
const realRestart = process.env.REAL_PG_RESTART === '1';
function pgctl(action: 'stop' | 'start'): void {
  const version = readdirSync('/etc/postgresql')[0]!;
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action], { stdio: 'ignore' });
}

async function admin(replica: BollardProcess, method: string, url: string, body?: unknown) {
  const response = await fetch(`${replica.adminUrl}/api/v1${url}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Every audit entry matching `query`, following the admin API's cursor. */
type Entry = { requestId: string; seq: number; details: { aggregate?: { count?: number } } | null };

async function auditEntries(replica: BollardProcess, query: string) {
  const out: Entry[] = [];
  let cursor: number | null = null;
  do {
    const page = await admin(
      replica,
      'GET',
      `/audit?${query}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    out.push(...(page.data as Entry[]));
    cursor = page.nextCursor as number | null;
  } while (cursor);
  return out;
}

async function call(replica: BollardProcess, token: string, target = '/organizations') {
  try {
    const response = await fetch(`${replica.proxyUrl}${target}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await response.text();
    return { status: response.status, requestId: response.headers.get('x-bollard-request-id'), body };
  } catch {
    return { status: 0, requestId: null, body: '' };
  }
}

/** Keeps `workers` callers busy on each replica until `stop` is set; every answer is kept. */
function drive(replicas: BollardProcess[], token: string, workers: number) {
  const results: Array<{
    status: number;
    requestId: string | null;
    body: string;
    replica: number;
    /** When the call was sent (epoch ms). */
    sentAt: number;
  }> = [];
  let stop = false;
  const loops = replicas.flatMap((replica, index) =>
    Array.from({ length: workers }, async () => {
      while (!stop) {
        const sentAt = Date.now();
        results.push({ ...(await call(replica, token)), replica: index, sentAt });
      }
    }),
  );
  return {
    results,
    async finish() {
      stop = true;
      await Promise.all(loops);
    },
  };
}

describe.skipIf(skip)('several replicas on one PostgreSQL and one Redis', () => {
  let emulator: RunningEmulator;
  let database: ScratchDatabase;
  let relay: TcpRelay;
  let replicas: BollardProcess[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
    database = await createScratchDatabase(DATABASE_URL);
    // Both replicas reach PostgreSQL through a relay the test can cut, as if the server restarted.
    const target = new URL(database.url);
    relay = await startTcpRelay(target.hostname, Number(target.port || 5432));
    const viaRelay = new URL(database.url);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(relay.port);
    const prefix = `replicas-${Math.random().toString(36).slice(2)}`;
    replicas = await Promise.all(
      [0, 1].map(() => {
        const dir = mkdtempSync(path.join(tmpdir(), 'bollard-replica-'));
        dirs.push(dir);
        return startBollardProcess({
          WORKOS_API_KEY: emulator.apiKey,
          BOLLARD_UPSTREAM: emulator.url,
          DATABASE_URL: viaRelay.toString(),
          REDIS_URL: `${REDIS_URL.replace(/\/$/, '')}/0`,
          BOLLARD_REDIS_PREFIX: prefix,
          BOLLARD_REPLICAS: '2',
          BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
          BOLLARD_DATA_DIR: dir,
          BOLLARD_LOG_LEVEL: 'warn',
        });
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await relay?.close();
    await emulator?.close();
    await database?.drop().catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('an agent revoked through one replica is refused by the other within a second', async () => {
    const [a, b] = replicas as [BollardProcess, BollardProcess];
    const created = await admin(a, 'POST', '/agents', { name: 'revocable', grants: ['organizations:read'] });
    const token = created.token as string;
    expect((await call(b, token)).status).toBe(200); // b has now cached the credential
    await admin(a, 'POST', '/agents/revocable/revoke');
    const revokedAt = Date.now();
    let refusedAfter = Number.POSITIVE_INFINITY;
    while (Date.now() - revokedAt < 5_000) {
      if ((await call(b, token)).status === 401) {
        refusedAfter = Date.now() - revokedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    console.log(`revocation through replica A refused by replica B after ${refusedAfter} ms`);
    expect(refusedAfter).toBeLessThan(1_000);
  });

  it('both replicas under load: every call is in the one audit chain exactly once, and it verifies', async () => {
    const [a] = replicas as [BollardProcess, BollardProcess];
    const created = await admin(a, 'POST', '/agents', { name: 'loaded', grants: ['organizations:read'] });
    const load = drive(replicas, created.token as string, 6);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await load.finish();
    const answered = load.results.filter((r) => r.requestId !== null);
    expect(answered.length).toBeGreaterThan(100);
    expect(new Set(answered.map((r) => r.replica)).size).toBe(2);
    // Calls forwarded (200) each have their own record, written before they were. On a fast machine the load
    // passes the agent's share of the WorkOS budget: those calls are refused (429), and past the first 20 a
    // second an agent's identical denials are counted into one aggregate record, written when its second ends.
    const forwarded = answered.filter((r) => r.status === 200);
    const refused = answered.filter((r) => r.status !== 200);
    const ids = new Map<string, number>();
    let aggregated = 0;
    await vi.waitFor(
      async () => {
        ids.clear();
        aggregated = 0;
        for (const entry of await auditEntries(a, 'kind=call&agent=loaded')) {
          if (entry.details?.aggregate) aggregated += callsRepresented({ details: entry.details });
          else ids.set(entry.requestId, (ids.get(entry.requestId) ?? 0) + 1);
        }
        const inFull = refused.filter((r) => ids.has(r.requestId!)).length;
        expect(inFull + aggregated).toBe(refused.length);
      },
      { timeout: 10_000, interval: 250 },
    );
    console.log(
      `${forwarded.length} calls forwarded, ${refused.length} refused (${aggregated} of them in aggregates)`,
    );
    for (const result of forwarded) expect(ids.get(result.requestId!), result.requestId!).toBe(1);
    // Nothing recorded twice, and no record for a call nobody made.
    expect(ids.size).toBe(answered.length - aggregated);
    expect([...ids.values()].every((n) => n === 1)).toBe(true);
    const verified = await admin(a, 'POST', '/audit/verify');
    expect(verified).toMatchObject({ ok: true });
  }, 30_000);

  it('PostgreSQL restarting under load: calls get 503 audit_unavailable, none reaches WorkOS unrecorded, service resumes', async () => {
    const [a] = replicas as [BollardProcess, BollardProcess];
    const created = await admin(a, 'POST', '/agents', {
      name: 'through-outage',
      grants: ['organizations:read'],
    });
    await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
    const load = drive(replicas, created.token as string, 3);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (realRestart) pgctl('stop');
    else await relay.cut();
    const cutAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // Calls sent once PostgreSQL was gone; one committed before the cut may still be answered 200 after it
    // (it was recorded, then forwarded), however many quick refusals came back first.
    const duringOutage = load.results.filter((r) => r.sentAt > cutAt);
    if (realRestart) pgctl('start');
    else await relay.restore();
    const restoredAt = Date.now();
    let resumedAfter = Number.POSITIVE_INFINITY;
    while (Date.now() - restoredAt < 20_000) {
      const recent = load.results.slice(-6);
      if (recent.length === 6 && recent.every((r) => r.status === 200)) {
        resumedAfter = Date.now() - restoredAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await load.finish();
    console.log(
      `service resumed ${resumedAfter} ms after PostgreSQL came back; ${duringOutage.length} answers during the outage`,
    );

    expect(duringOutage.length).toBeGreaterThan(0);
    for (const result of duringOutage) {
      expect(result.status).toBe(503);
      expect(JSON.parse(result.body)).toMatchObject({ code: 'audit_unavailable' });
    }
    expect(resumedAfter).toBeLessThan(20_000);

    // Everything WorkOS received during the run has its committed 'call' record.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const forwarded = ((await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as unknown[])
      .length;
    const ok = load.results.filter((r) => r.status === 200);
    const allowed = (await auditEntries(a, 'kind=call&agent=through-outage&decision=allow')).length;
    expect(forwarded).toBeGreaterThanOrEqual(ok.length);
    expect(allowed).toBeGreaterThanOrEqual(forwarded);
    expect(await admin(a, 'POST', '/audit/verify')).toMatchObject({ ok: true });
  }, 60_000);
});
