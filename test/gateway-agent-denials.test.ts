import { rmSync } from 'node:fs';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../src/audit/index.js';
import { entryRow } from '../src/cli/commands/logs.js';
import { openStore } from '../src/store/index.js';
import type { AuditRecord } from '../src/store/types.js';
import { auditRecords, callsRepresented, type Harness, startHarness } from './support/harness.js';
import { connectMcp } from './support/mcp-client.js';

const IN_FULL = 5;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

async function call(pool: Pool, token: string, path: string): Promise<Answer> {
  const response = await pool.request({ method: 'GET', path, headers: { authorization: `Bearer ${token}` } });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: (await response.body.json()) as Record<string, unknown>,
  };
}

/** The answer with what differs from call to call (its request id, the date) taken out. */
function comparable(answer: Answer) {
  const { date: _date, 'x-bollard-request-id': id, 'x-request-id': sameId, ...headers } = answer.headers;
  expect(sameId).toBe(id);
  return { status: answer.status, headers, body: answer.body };
}

const isAggregate = (record: AuditRecord) => record.requestId.startsWith('agg_');

async function headSeq(h: Harness): Promise<number> {
  await h.app.audit.flush();
  return (await h.app.store.auditBounds()).lastSeq;
}

/** The records written since `seq`, once the open windows have ended and the writer is idle. */
async function recordsSince(h: Harness, seq: number): Promise<AuditRecord[]> {
  await h.app.agentDenials.flush();
  await h.app.audit.flush();
  return auditRecords(h.app, seq + 1);
}

describe("an agent's repeated denials: the first few of each second in full, the rest counted", () => {
  let h: Harness;
  let pool: Pool;
  let reader: string;
  let other: string;

  beforeAll(async () => {
    h = await startHarness({ config: { agentDenialsInFull: IN_FULL } });
    pool = new Pool(h.proxyUrl, { connections: 8 });
    reader = await h.agent('reader', ['organizations:read']);
    other = await h.agent('other', ['organizations:read']);
  });
  afterAll(async () => {
    await pool?.close();
    await h?.close();
  });

  it('a flood of identical denials: K records in full per window, aggregates counting the rest, the same answer every time', async () => {
    const before = await headSeq(h);
    const total = 300;
    const answers: Answer[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next++ < total) answers.push(await call(pool, reader, '/user_management/users?limit=5'));
      }),
    );
    expect(answers).toHaveLength(total);

    const records = (await recordsSince(h, before)).filter((r) => r.kind === 'call');
    const full = records.filter((r) => !isAggregate(r));
    const aggregates = records.filter(isAggregate);
    // Every call is accounted for: alone, or counted in an aggregate.
    expect(records.reduce((sum, record) => sum + callsRepresented(record), 0)).toBe(total);
    expect(full.length).toBeGreaterThanOrEqual(IN_FULL);
    expect(full.length).toBeLessThan(total);
    expect(aggregates.length).toBeGreaterThan(0);
    // At most K in full per window, and a window that counted calls had its K in full first.
    expect(full.length).toBeLessThanOrEqual(IN_FULL * (aggregates.length + 1));
    for (const record of full)
      expect(record).toMatchObject({
        agentName: 'reader',
        endpointId: 'users.list',
        decision: 'deny',
        reason: 'missing_permission',
        status: 403,
        path: '/user_management/users',
        details: { query: { limit: '5' } },
      });
    for (const aggregate of aggregates) {
      // The same who, what and why as the calls it stands for; their path and query too (all the same here).
      expect(aggregate).toMatchObject({
        kind: 'call',
        agentName: 'reader',
        endpointId: 'users.list',
        permission: 'users:read',
        method: 'GET',
        path: '/user_management/users',
        decision: 'deny',
        reason: 'missing_permission',
        rule: full[0]?.rule,
        status: 403,
        clientIp: '127.0.0.1',
        details: { query: { limit: '5' }, aggregate: { count: expect.any(Number) } },
      });
      expect(callsRepresented(aggregate)).toBeGreaterThan(0);
    }
    // Each record in full is one of the answered calls; the answers themselves are the same whether the
    // call was recorded in full or counted.
    const answered = new Set(answers.map((a) => a.headers['x-bollard-request-id']));
    for (const record of full) expect(answered.has(record.requestId)).toBe(true);
    const recorded = new Set(full.map((r) => r.requestId));
    const inFull = answers.filter((a) => recorded.has(String(a.headers['x-bollard-request-id'])));
    const countedAnswers = answers.filter((a) => !recorded.has(String(a.headers['x-bollard-request-id'])));
    expect(countedAnswers.length).toBe(total - full.length);
    const reference = comparable(inFull[0]!);
    expect(reference).toMatchObject({
      status: 403,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: { code: 'permission_denied', required_permission: 'users:read', agent: 'reader' },
    });
    for (const answer of answers) expect(comparable(answer)).toEqual(reference);
    expect(await verifyChain(h.app.store)).toMatchObject({ ok: true });

    // `bollard logs` shows how many calls an aggregate stands for.
    const row = entryRow({ ...aggregates[0]!, outcome: null });
    expect(row[1]).toBe('reader');
    expect(row[6]).toBe(`missing_permission users:read ×${callsRepresented(aggregates[0]!)}`);
  });

  it('different agents, endpoints and reasons are never merged', async () => {
    const before = await headSeq(h);
    const kinds = [
      { token: reader, path: '/user_management/users', agent: 'reader', endpointId: 'users.list' },
      // The same area as the first, so the same rule (`grant:users:none`): only the endpoint differs.
      { token: reader, path: '/user_management/users/user_123', agent: 'reader', endpointId: 'users.get' },
      { token: reader, path: '/directories', agent: 'reader', endpointId: 'directory_sync.list_directories' },
      { token: other, path: '/user_management/users', agent: 'other', endpointId: 'users.list' },
      { token: reader, path: '/no/such/endpoint', agent: 'reader', endpointId: null },
    ];
    const rounds = 40;
    for (let i = 0; i < rounds; i++)
      await Promise.all(
        kinds.map(async ({ token, path }) => expect((await call(pool, token, path)).status).toBe(403)),
      );
    const records = (await recordsSince(h, before)).filter((r) => r.kind === 'call');
    expect(records.filter(isAggregate).length).toBeGreaterThanOrEqual(kinds.length);
    for (const kind of kinds) {
      const mine = records.filter((r) => r.agentName === kind.agent && r.endpointId === kind.endpointId);
      const reasons = new Set(mine.map((r) => r.reason));
      expect(reasons).toEqual(new Set([kind.endpointId ? 'missing_permission' : 'unknown_endpoint']));
      expect(mine.reduce((sum, record) => sum + callsRepresented(record), 0)).toBe(rounds);
    }
    expect(records.reduce((sum, record) => sum + callsRepresented(record), 0)).toBe(rounds * kinds.length);
    expect(await verifyChain(h.app.store)).toMatchObject({ ok: true });
  });

  it('denials over MCP are aggregated apart from the same denials over HTTP, their aggregate marked via mcp', async () => {
    const guesser = await h.agent('mcp-guesser', ['organizations:read']);
    const client = await connectMcp(h.proxyUrl, guesser);
    try {
      const before = await headSeq(h);
      const rounds = 3 * IN_FULL;
      for (let i = 0; i < rounds; i++) {
        const result = await client.callTool({
          name: 'organizations_delete',
          arguments: { id: 'org_guess' },
        });
        expect(result.isError).toBe(true);
        const response = await pool.request({
          method: 'DELETE',
          path: '/organizations/org_guess',
          headers: { authorization: `Bearer ${guesser}` },
        });
        await response.body.dump();
        expect(response.statusCode).toBe(403);
      }
      const records = (await recordsSince(h, before)).filter(
        (r) => r.kind === 'call' && r.agentName === 'mcp-guesser',
      );
      const overMcp = records.filter((r) => r.details.via === 'mcp');
      const overHttp = records.filter((r) => r.details.via === undefined);
      expect(overMcp.length + overHttp.length).toBe(records.length);
      for (const [kind, via] of [
        [overMcp, { via: 'mcp', tool: 'organizations_delete' }],
        [overHttp, {}],
      ] as const) {
        expect(kind.some(isAggregate)).toBe(true);
        expect(kind.reduce((sum, record) => sum + callsRepresented(record), 0)).toBe(rounds);
        for (const record of kind)
          expect(record).toMatchObject({
            endpointId: 'organizations.delete',
            reason: 'missing_permission',
            path: '/organizations/org_guess',
            details: via,
          });
      }
    } finally {
      await client.close();
    }
  });
});

describe('a graceful stop writes the open windows', () => {
  it('every call of a flood cut by app.close() is in the log after the stop, and the chain verifies', async () => {
    // The harness's own close removes its data directory: the app is closed here, the store read after.
    const h = await startHarness({ config: { agentDenialsInFull: 2 } });
    const pool = new Pool(h.proxyUrl, { connections: 4 });
    try {
      const token = await h.agent('prober', ['organizations:read']);
      const before = await headSeq(h);
      const total = 60;
      for (let i = 0; i < total; i++) expect((await call(pool, token, '/users/anyone')).status).toBe(403);
      await pool.close();
      await h.app.close();

      const store = await openStore({ kind: 'sqlite', path: h.dataDir });
      try {
        const records: AuditRecord[] = [];
        for await (const record of store.scanAudit(before + 1))
          if (record.kind === 'call') records.push(record);
        expect(records.some(isAggregate)).toBe(true);
        expect(records.reduce((sum, record) => sum + callsRepresented(record), 0)).toBe(total);
        expect(await verifyChain(store)).toMatchObject({ ok: true });
      } finally {
        await store.close();
      }
    } finally {
      await pool.close().catch(() => undefined);
      await h.emulator.close();
      rmSync(h.dataDir, { recursive: true, force: true });
    }
  });
});
