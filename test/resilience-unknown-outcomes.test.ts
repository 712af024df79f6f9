import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerUnknownOutcomes, OUTCOME_UNKNOWN, sealRecord, verifyChain } from '../src/audit/index.js';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import type { AuditDraft, AuditRecord, Store } from '../src/store/types.js';
import { selectedHarnesses } from './store-harness.js';
import { type BollardProcess, runCli, startBollardProcess } from './support/processes.js';

const ADMIN_TOKEN = `boladm_unknown_${Math.random().toString(36).slice(2)}`;

function callRecord(requestId: string, time: string, decision: 'allow' | 'deny' = 'allow'): AuditDraft {
  return {
    kind: 'call',
    time,
    requestId,
    agentId: 'agt_1',
    agentName: 'bot',
    endpointId: 'organizations.list',
    area: 'organizations',
    access: 'read',
    permission: 'organizations:read',
    decision,
    reason: 'granted',
    rule: 'grant:organizations:read',
    method: 'GET',
    path: '/organizations',
    organizationId: null,
    resourceIds: [],
    status: decision === 'deny' ? 403 : null,
    upstreamStatus: null,
    upstreamRequestId: null,
    latencyMs: null,
    upstreamLatencyMs: null,
    bytesIn: 0,
    bytesOut: null,
    clientIp: '127.0.0.1',
    userAgent: null,
    details: {},
  };
}

async function all(store: Store): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const record of store.scanAudit()) out.push(record);
  return out;
}

describe.each(selectedHarnesses())('outcome_unknown sweep on $name', (harness) => {
  beforeAll(() => harness.setup());
  afterAll(() => harness.teardown());

  it('answers each allowed call with no outcome once, chained; leaves answered, denied and young calls alone', async () => {
    const { store, reopen, close } = await harness.open();
    try {
      const old = '2026-01-01T00:00:00.000Z';
      const young = '2026-01-01T00:10:00.000Z';
      const answered = { ...callRecord('req_answered', old) };
      await store.appendAudit(
        [
          callRecord('req_lost_1', old),
          answered,
          { ...answered, kind: 'outcome', status: 200 },
          callRecord('req_denied', old, 'deny'),
          callRecord('req_lost_2', old),
          callRecord('req_young', young),
        ],
        sealRecord,
      );
      const startedBefore = new Date('2026-01-01T00:05:00.000Z');
      // Two handles sweep at once (two replicas starting together): each call is answered exactly once.
      const other = await reopen();
      const counts = await Promise.all([
        answerUnknownOutcomes(store, { startedBefore, limit: 2 }),
        answerUnknownOutcomes(other, { startedBefore, limit: 2 }),
      ]);
      expect(counts[0] + counts[1]).toBe(2);
      const unknown = (await all(store)).filter((r) => r.reason === OUTCOME_UNKNOWN);
      expect(unknown.map((r) => r.requestId).sort()).toEqual(['req_lost_1', 'req_lost_2']);
      expect(unknown[0]).toMatchObject({
        kind: 'outcome',
        status: null,
        details: { error: OUTCOME_UNKNOWN },
      });
      expect(await answerUnknownOutcomes(store, { startedBefore })).toBe(0);

      // The young call was left for later; once it is old enough (and still has no outcome) it is answered.
      expect(
        await answerUnknownOutcomes(store, { startedBefore: new Date('2026-01-02T00:00:00.000Z') }),
      ).toBe(1);
      const verified = await verifyChain(store);
      expect(verified.ok).toBe(true);
    } finally {
      await close();
    }
  });
});

describe('a Bollard killed with calls in flight says so at its next start', () => {
  let emulator: RunningEmulator;
  let bollard: BollardProcess | null = null;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-unknown-'));
  const env = () => ({
    WORKOS_API_KEY: emulator.apiKey,
    BOLLARD_UPSTREAM: emulator.url,
    BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
    BOLLARD_DATA_DIR: dataDir,
    BOLLARD_LOG_LEVEL: 'warn',
  });

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
  });
  afterAll(async () => {
    await bollard?.stop();
    await emulator?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every forwarded call without an outcome gets outcome_unknown, counted in the banner and shown by logs', async () => {
    bollard = await startBollardProcess(env());
    const created = await fetch(`${bollard.adminUrl}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'busy', grants: ['organizations:read'] }),
    });
    const token = ((await created.json()) as { token: string }).token;
    const call = () =>
      fetch(`${bollard?.proxyUrl}/organizations`, { headers: { authorization: `Bearer ${token}` } })
        .then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        })
        .catch(() => null);
    for (let i = 0; i < 20; i++) expect(await call()).toBe(200);
    // Three calls parked at WorkOS (a slow answer) when the process is killed: forwarded, never answered.
    await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/organizations', method: 'GET', count: 3, delayMs: 30_000 }),
    });
    const parked = [call(), call(), call()];
    // Parked at WorkOS: their write-ahead records are in, and WorkOS has not answered.
    const recorded = async () => {
      const page = await fetch(`${bollard?.adminUrl}/api/v1/audit?agent=busy&kind=call&limit=100`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      return ((await page.json()) as { data: unknown[] }).data.length;
    };
    while ((await recorded()) < 23) await new Promise((resolve) => setTimeout(resolve, 20));
    const exited = new Promise((resolve) => bollard?.child.once('exit', resolve));
    bollard.child.kill('SIGKILL');
    await exited;
    expect(await Promise.all(parked)).toEqual([null, null, null]);
    await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' });

    bollard = await startBollardProcess(env());
    const banner = bollard.output();
    const counted = Number(banner.match(/Unknown outcomes\s+(\d+) calls/)?.[1]);
    console.log(
      `calls forwarded without an outcome before kill -9, answered outcome_unknown at start: ${counted}`,
    );
    expect(counted).toBeGreaterThanOrEqual(3);

    const logs = await runCli(['logs', '--agent', 'busy', '--limit', '100'], {
      BOLLARD_ADMIN_URL: bollard.adminUrl,
      BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout.match(/unknown/g)?.length).toBeGreaterThanOrEqual(3);
    expect(logs.stdout).toContain('outcome unknown');

    const json = await runCli(['logs', '--agent', 'busy', '--limit', '100', '--json'], {
      BOLLARD_ADMIN_URL: bollard.adminUrl,
      BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    const entries = (
      JSON.parse(json.stdout) as Array<{ kind: string; outcome: { details: { error?: string } } | null }>
    ).filter((e) => e.kind === 'call');
    expect(entries.filter((e) => e.outcome?.details.error === OUTCOME_UNKNOWN)).toHaveLength(counted);
    expect(entries.filter((e) => e.outcome === null)).toEqual([]); // every allowed call has an outcome now

    const verify = await runCli(['audit', 'verify'], {
      BOLLARD_ADMIN_URL: bollard.adminUrl,
      BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    expect(verify.code).toBe(0);

    // A clean restart finds nothing new to answer.
    await bollard.stop();
    bollard = await startBollardProcess(env());
    expect(bollard.output()).not.toContain('Unknown outcomes');
  }, 60_000);
});
