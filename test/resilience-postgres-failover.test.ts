import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyChain } from '../src/audit/index.js';
import { parseHostCandidates } from '../src/store/postgres/multi-host.js';
import { auditRecords, type Harness, startHarness } from './support/harness.js';
import { type PostgresPair, startPostgresPair } from './support/postgres-standby.js';

/**
 * PostgreSQL failover under load: Bollard on a multi-host connection string
 * (`target_session_attrs=read-write`) in front of a real primary and its synchronous streaming standby.
 * The primary is stopped as a crash would stop it and the standby promoted while agents keep calling.
 */
let pair: PostgresPair;
let h: Harness;
let token: string;

beforeAll(async () => {
  pair = await startPostgresPair();
  h = await startHarness({
    config: { databaseUrl: pair.url, rateLimits: 'off' },
    app: { readinessCacheMs: 0 },
  });
  token = await h.agent('steady', ['organizations:read']);
}, 90_000);
afterAll(async () => {
  await h?.close();
  await pair?.close();
});

describe('PostgreSQL failover', () => {
  it('0 call records lost, calls refused (503) while no primary answers, the chain verifies across the switch', async () => {
    const answered: Array<{ status: number; requestId: string | null; code: string | null }> = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const response = await fetch(`${h.proxyUrl}/organizations`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = await response.text();
        answered.push({
          status: response.status,
          requestId: response.headers.get('x-bollard-request-id'),
          code: response.status === 200 ? null : ((JSON.parse(body) as { code?: string }).code ?? null),
        });
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await vi.waitFor(() => expect(answered.filter((a) => a.status === 200).length).toBeGreaterThan(100), {
      timeout: 20_000,
      interval: 50,
    });
    const beforeSwitch = answered.length;
    await pair.failover();
    // Service resumes by itself on the new primary.
    await vi.waitFor(
      () => expect(answered.slice(beforeSwitch).filter((a) => a.status === 200).length).toBeGreaterThan(100),
      { timeout: 30_000, interval: 50 },
    );
    stop = true;
    await Promise.all(workers);

    const ok = answered.filter((a) => a.status === 200);
    const refused = answered.filter((a) => a.status !== 200);
    console.log(
      `PostgreSQL failover under load: ${answered.length} calls, ${ok.length} answered 200, ${refused.length} refused (${[...new Set(refused.map((r) => `${r.status} ${r.code}`))].join(', ') || 'none'})`,
    );
    // Anything refused was refused because it could not be recorded: never forwarded unrecorded.
    for (const r of refused) expect(`${r.status} ${r.code}`).toBe('503 audit_unavailable');

    const records = await auditRecords(h.app);
    const recorded = new Set(records.filter((r) => r.kind === 'call').map((r) => r.requestId));
    const lost = ok.filter((a) => !recorded.has(a.requestId!));
    console.log(`call records lost across the switch: ${lost.length}`);
    expect(lost).toEqual([]);
    expect((await verifyChain(h.app.store)).ok).toBe(true);
  }, 90_000);
});

describe('multi-host connection strings', () => {
  it('split into one URL per host, keeping credentials, database and other parameters', () => {
    expect(
      parseHostCandidates(
        'postgres://u:p%40ss@db1:5432,db2:6543/bollard?sslmode=disable&target_session_attrs=read-write',
      ),
    ).toEqual({
      urls: [
        'postgres://u:p%40ss@db1:5432/bollard?sslmode=disable',
        'postgres://u:p%40ss@db2:6543/bollard?sslmode=disable',
      ],
      readWrite: true,
    });
    expect(parseHostCandidates('postgresql://db/bollard')).toEqual({
      urls: ['postgresql://db/bollard'],
      readWrite: false,
    });
    expect(parseHostCandidates('postgres://a,b/x?target_session_attrs=any').readWrite).toBe(false);
  });
});
