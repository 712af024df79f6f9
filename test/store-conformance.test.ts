import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sealRecord } from '../src/audit/seal.js';
import { verifyChain } from '../src/audit/verify.js';
import { GENESIS_HASH } from '../src/store/chain.js';
import { StoreError } from '../src/store/errors.js';
import type { AuditRecord, Store, TokenRecord } from '../src/store/types.js';
import { makeAgent, makeDraft, makeToken, type OpenedStore, selectedHarnesses } from './store-harness.js';

/**
 * The one suite every store passes. A store may skip a case only here, by the case's name, with
 * the reason.
 */
const SKIPS: Record<string, Partial<Record<'sqlite' | 'postgres', string>>> = {
  'a change applied by one replica is announced to another': {
    sqlite: 'no other process shares the file (capabilities.crossProcessNotifications is false)',
  },
  'a lost listener connection reconnects and asks for a full reload': {
    sqlite: 'no listener connection exists (capabilities.crossProcessNotifications is false)',
  },
};

/** An injected clock: tests move time, nothing sleeps. */
function testClock(start: string) {
  let now = Date.parse(start);
  return {
    now: () => now,
    iso: (offsetMs = 0) => new Date(now + offsetMs).toISOString(),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** What the gateway's authenticate stage decides from a stored token (the store returns all tokens). */
function tokenUsable(token: TokenRecord, nowMs: number): boolean {
  if (token.revokedAt !== null) return false;
  return token.expiresAt === null || Date.parse(token.expiresAt) > nowMs;
}

async function appendMany(
  store: Store,
  count: number,
  each: (i: number) => Parameters<typeof makeDraft>[0] = () => ({}),
) {
  return store.appendAudit(
    Array.from({ length: count }, (_, i) => makeDraft(each(i))),
    sealRecord,
  );
}

/** Counts `onChange` calls; `reach(n)` resolves once there have been n (no sleeping, no timing). */
function callCounter() {
  let count = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  return {
    onChange: () => {
      count++;
      for (const w of waiters.filter((x) => x.n <= count)) w.resolve();
    },
    reach: (n: number) =>
      new Promise<void>((resolve) => {
        if (count >= n) resolve();
        else waiters.push({ n, resolve });
      }),
  };
}

function seqs(records: AuditRecord[]): number[] {
  return records.map((r) => r.seq);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

for (const harness of selectedHarnesses()) {
  describe(`store conformance: ${harness.name}`, () => {
    let opened: OpenedStore;
    let store: Store;

    beforeAll(() => harness.setup());
    afterAll(() => harness.teardown());
    beforeEach(async () => {
      opened = await harness.open();
      store = opened.store;
    });
    afterEach(() => opened.close());

    const test = (name: string, body: () => Promise<void>) => {
      const reason = SKIPS[name]?.[harness.name];
      // The only skips: a store may skip a case by name, with the reason from SKIPS shown in the report.
      if (reason) it.skip(`${name} — skipped: ${reason}`, body);
      else it(name, body);
    };

    test('declares its kind and capabilities', async () => {
      expect(store.kind).toBe(harness.name);
      const shared = harness.name === 'postgres';
      expect(store.capabilities).toEqual({
        sharedAcrossProcesses: shared,
        crossProcessNotifications: shared,
        // SQLite's writer thread chains appends in the order they were posted.
        pipelinedAppends: !shared,
      });
    });

    test('migrate is idempotent', async () => {
      await store.migrate();
      await store.migrate();
      expect(await store.auditBounds()).toEqual({
        firstSeq: 1,
        firstPrevHash: GENESIS_HASH,
        lastSeq: 0,
        lastHash: GENESIS_HASH,
      });
    });

    test('agents: create, read by id and name, list, update, delete with their tokens', async () => {
      const a = makeAgent({
        grants: { users: 'write', sso: 'read' },
        quota: { perMinute: 60 },
        weight: 2.5,
        mcpTools: 'compact',
      });
      const b = makeAgent({ enabled: false, expiresAt: '2030-01-01T00:00:00.000Z' });
      await store.apply(
        [
          { op: 'putAgent', agent: a },
          { op: 'putAgent', agent: b },
        ],
        [],
        sealRecord,
      );
      expect(await store.getAgent(a.id)).toEqual(a);
      expect(await store.getAgentByName(b.name)).toEqual(b);
      expect(await store.getAgent('agt_missing')).toBeNull();
      expect((await store.listAgents()).map((x) => x.id).sort()).toEqual([a.id, b.id].sort());

      const changed = {
        ...a,
        description: 'changed',
        enabled: false,
        quota: null,
        mcpTools: 'full' as const,
      };
      await store.apply([{ op: 'putAgent', agent: changed }], [], sealRecord);
      expect(await store.getAgent(a.id)).toEqual(changed);
      // Back to the server default: null round-trips as null, and the token join carries the field too.
      const byDefault = { ...changed, mcpTools: null };
      await store.apply([{ op: 'putAgent', agent: byDefault }], [], sealRecord);
      expect(await store.getAgent(a.id)).toEqual(byDefault);
      expect(b.mcpTools).toBeNull();

      const token = makeToken(a.id);
      await store.apply([{ op: 'putToken', token }], [], sealRecord);
      await store.apply([{ op: 'putAgent', agent: { ...byDefault, mcpTools: 'auto' } }], [], sealRecord);
      expect((await store.findToken(token.hash))?.agent.mcpTools).toBe('auto');
      await store.apply([{ op: 'deleteAgent', agentId: a.id }], [], sealRecord);
      expect(await store.getAgent(a.id)).toBeNull();
      expect(await store.findToken(token.hash)).toBeNull();
      expect(await store.listTokens(a.id)).toEqual([]);
    });

    test('agents list in byte order of their names, the same in every store', async () => {
      const names = ['ab', 'a_b', 'a.b', 'a-b', 'a9', 'b'];
      await store.apply(
        names.map((name) => ({ op: 'putAgent' as const, agent: makeAgent({ name }) })),
        [],
        sealRecord,
      );
      expect((await store.listAgents()).map((a) => a.name)).toEqual([...names].sort());
    });

    test('agent names are unique', async () => {
      const a = makeAgent();
      await store.apply([{ op: 'putAgent', agent: a }], [], sealRecord);
      const clash = makeAgent({ name: a.name });
      const error = await store
        .apply([{ op: 'putAgent', agent: clash }], [], sealRecord)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('conflict');
      expect(await store.getAgent(clash.id)).toBeNull();
    });

    test('tokens: found by hash with their agent, listed per agent', async () => {
      const agent = makeAgent();
      const t1 = makeToken(agent.id, { createdAt: '2025-01-01T00:00:00.000Z' });
      const t2 = makeToken(agent.id, { createdAt: '2025-01-02T00:00:00.000Z' });
      await store.apply(
        [
          { op: 'putAgent', agent },
          { op: 'putToken', token: t1 },
          { op: 'putToken', token: t2 },
        ],
        [],
        sealRecord,
      );
      expect(await store.findToken(t2.hash)).toEqual({ token: t2, agent });
      expect(await store.findToken('f'.repeat(64))).toBeNull();
      expect(await store.listTokens(agent.id)).toEqual([t1, t2]);
    });

    test('a token for a missing agent is refused', async () => {
      const error = await store
        .apply([{ op: 'putToken', token: makeToken('agt_nobody') }], [], sealRecord)
        .catch((e: unknown) => e);
      expect((error as StoreError).code).toBe('not_found');
    });

    test('revoke then read: the next lookup sees the revocation, and the first revocation time stands', async () => {
      const agent = makeAgent();
      const token = makeToken(agent.id);
      await store.apply(
        [
          { op: 'putAgent', agent },
          { op: 'putToken', token },
        ],
        [],
        sealRecord,
      );
      await store.apply(
        [{ op: 'revokeToken', tokenId: token.id, at: '2025-02-01T00:00:00.000Z' }],
        [],
        sealRecord,
      );
      expect((await store.findToken(token.hash))?.token.revokedAt).toBe('2025-02-01T00:00:00.000Z');
      await store.apply(
        [{ op: 'revokeToken', tokenId: token.id, at: '2025-03-01T00:00:00.000Z' }],
        [],
        sealRecord,
      );
      expect((await store.findToken(token.hash))?.token.revokedAt).toBe('2025-02-01T00:00:00.000Z');
      const missing = await store
        .apply(
          [{ op: 'revokeToken', tokenId: 'tok_missing', at: '2025-02-01T00:00:00.000Z' }],
          [],
          sealRecord,
        )
        .catch((e: unknown) => e);
      expect((missing as StoreError).code).toBe('not_found');
    });

    test('rotation: the old token works until its expiry on the injected clock, and expiry only moves earlier', async () => {
      const clock = testClock('2025-05-01T12:00:00.000Z');
      const agent = makeAgent();
      const old = makeToken(agent.id);
      const fresh = makeToken(agent.id, { createdAt: clock.iso() });
      await store.apply(
        [
          { op: 'putAgent', agent },
          { op: 'putToken', token: old },
        ],
        [],
        sealRecord,
      );
      await store.apply(
        [
          { op: 'putToken', token: fresh },
          { op: 'expireToken', tokenId: old.id, at: clock.iso(3_600_000) },
        ],
        [],
        sealRecord,
      );
      const rotated = (await store.findToken(old.hash))?.token;
      expect(rotated?.expiresAt).toBe('2025-05-01T13:00:00.000Z');
      expect(rotated && tokenUsable(rotated, clock.now())).toBe(true);
      clock.advance(3_600_000);
      const later = (await store.findToken(old.hash))?.token;
      expect(later && tokenUsable(later, clock.now())).toBe(false);
      const current = (await store.findToken(fresh.hash))?.token;
      expect(current && tokenUsable(current, clock.now())).toBe(true);

      await store.apply([{ op: 'expireToken', tokenId: old.id, at: clock.iso(86_400_000) }], [], sealRecord);
      expect((await store.findToken(old.hash))?.token.expiresAt).toBe('2025-05-01T13:00:00.000Z');
    });

    test('apply is atomic: a failing op midway leaves nothing changed and appends no audit', async () => {
      const existing = makeAgent();
      await store.apply([{ op: 'putAgent', agent: existing }], [makeDraft({ kind: 'admin' })], sealRecord);
      const before = await store.auditBounds();
      const fresh = makeAgent();
      const token = makeToken(fresh.id);
      const error = await store
        .apply(
          [
            { op: 'putAgent', agent: fresh },
            { op: 'putToken', token },
            { op: 'putAgent', agent: makeAgent({ name: existing.name }) },
          ],
          [makeDraft({ kind: 'admin' }), makeDraft({ kind: 'admin' })],
          sealRecord,
        )
        .catch((e: unknown) => e);
      expect((error as StoreError).code).toBe('conflict');
      expect(await store.getAgent(fresh.id)).toBeNull();
      expect(await store.findToken(token.hash)).toBeNull();
      expect(await store.auditBounds()).toEqual(before);
      expect(await store.queryAudit({})).toHaveLength(1);
    });

    test('apply returns its audit records sealed, continuing the chain', async () => {
      const [first] = await appendMany(store, 1);
      const records = await store.apply(
        [{ op: 'putAgent', agent: makeAgent() }],
        [makeDraft({ kind: 'admin', details: { before: null, after: { name: 'x' } } })],
        sealRecord,
      );
      expect(records).toHaveLength(1);
      expect(records[0]?.seq).toBe(2);
      expect(records[0]?.prevHash).toBe(first?.hash);
      expect(await store.queryAudit({ kind: 'admin' })).toEqual(records);
    });

    test('audit records read back exactly as sealed (numbers, nulls, unicode, nested details)', async () => {
      const [record] = await appendMany(store, 1, () => ({
        latencyMs: 12.345678,
        upstreamLatencyMs: 0.1 + 0.2,
        bytesIn: 2 ** 40,
        status: 201,
        userAgent: 'agent\u0000with nul ☃ 𝄞',
        resourceIds: ['org_1', 'user_2'],
        details: {
          nested: { list: [1, null, 'x', { deep: true }], float: 1e-7, big: 1e21 },
          empty: {},
          gone: undefined,
        },
      }));
      const [read] = await store.queryAudit({ afterSeq: 0 });
      expect(read).toEqual(record);
      expect(read?.userAgent).toBe('agent\uFFFDwith nul ☃ 𝄞');
      expect(read?.details).toEqual({
        nested: { list: [1, null, 'x', { deep: true }], float: 1e-7, big: 1e21 },
        empty: {},
      });
      expect(await verifyChain(store)).toMatchObject({ ok: true, count: 1 });
    });

    test('fields outside AuditDraft are neither hashed nor stored, so the chain still verifies', async () => {
      const draft = { ...makeDraft(), extra: 'not a column', details: { ok: true } };
      const [record] = await store.appendAudit([draft], sealRecord);
      expect(record).not.toHaveProperty('extra');
      expect((await store.queryAudit({}))[0]).toEqual(record);
      expect(await verifyChain(store)).toMatchObject({ ok: true, count: 1 });
    });

    test('audit ordering and cursors: afterSeq, beforeSeq, order, limit', async () => {
      await appendMany(store, 30);
      expect(seqs(await store.queryAudit({}))).toEqual(range(1, 30).reverse());
      expect(seqs(await store.queryAudit({ afterSeq: 10, limit: 5 }))).toEqual([11, 12, 13, 14, 15]);
      expect(seqs(await store.queryAudit({ beforeSeq: 10, limit: 3 }))).toEqual([9, 8, 7]);
      expect(seqs(await store.queryAudit({ afterSeq: 5, beforeSeq: 9 }))).toEqual([6, 7, 8]);
      expect(seqs(await store.queryAudit({ beforeSeq: 4, order: 'asc' }))).toEqual([1, 2, 3]);
      expect(seqs(await store.queryAudit({ order: 'asc', limit: 2 }))).toEqual([1, 2]);
      expect(seqs(await store.queryAudit({ afterSeq: 30 }))).toEqual([]);
      expect(await store.queryAudit({ limit: 100_000 })).toHaveLength(30);
      // Paging with the cursor visits every record once.
      const seen: number[] = [];
      for (let cursor = 0; ; ) {
        const page = await store.queryAudit({ afterSeq: cursor, limit: 7 });
        if (page.length === 0) break;
        seen.push(...seqs(page));
        cursor = page[page.length - 1]?.seq ?? cursor;
      }
      expect(seen).toEqual(range(1, 30));
    });

    test('audit filters: each one alone, and combined with AND', async () => {
      await store.appendAudit(
        [
          makeDraft({
            kind: 'call',
            agentId: 'agt_a',
            decision: 'allow',
            area: 'users',
            time: '2025-01-01T00:00:00.000Z',
          }),
          makeDraft({
            kind: 'outcome',
            agentId: 'agt_a',
            status: 200,
            requestId: 'req_x',
            time: '2025-01-02T00:00:00.000Z',
          }),
          makeDraft({
            kind: 'call',
            agentId: 'agt_b',
            decision: 'deny',
            status: 403,
            area: 'sso',
            time: '2025-01-03T00:00:00.000Z',
          }),
          makeDraft({
            kind: 'admin',
            agentId: null,
            decision: null,
            endpointId: null,
            time: '2025-01-04T00:00:00.000Z',
          }),
          makeDraft({
            kind: 'webhook',
            organizationId: 'org_9',
            endpointId: 'webhooks.receive',
            time: '2025-01-05T00:00:00.000Z',
          }),
        ],
        sealRecord,
      );
      const q = async (query: Parameters<Store['queryAudit']>[0]) =>
        seqs(await store.queryAudit({ ...query, order: 'asc' }));
      expect(await q({ kind: 'call' })).toEqual([1, 3]);
      expect(await q({ kind: ['admin', 'webhook'] })).toEqual([4, 5]);
      expect(await q({ kind: [] })).toEqual([]);
      expect(await q({ agentId: 'agt_a' })).toEqual([1, 2]);
      expect(await q({ decision: 'deny' })).toEqual([3]);
      expect(await q({ area: 'sso' })).toEqual([3]);
      expect(await q({ endpointId: 'webhooks.receive' })).toEqual([5]);
      expect(await q({ status: 403 })).toEqual([3]);
      expect(await q({ organizationId: 'org_9' })).toEqual([5]);
      expect(await q({ requestId: 'req_x' })).toEqual([2]);
      expect(await q({ since: '2025-01-02T00:00:00.000Z', until: '2025-01-04T00:00:00.000Z' })).toEqual([
        2, 3,
      ]);
      expect(await q({ kind: 'call', agentId: 'agt_a' })).toEqual([1]);
      expect(await q({ kind: 'call', decision: 'allow', since: '2025-01-02T00:00:00.000Z' })).toEqual([]);
    });

    test('concurrent appends from 5 writers × 50 batches leave one gapless chain that verifies', async () => {
      const writers = Array.from({ length: 5 }, async (_, w) => {
        const mine: AuditRecord[][] = [];
        for (let b = 0; b < 50; b++)
          mine.push(await appendMany(store, 3, () => ({ requestId: `w${w}-b${b}` })));
        return mine;
      });
      const batches = (await Promise.all(writers)).flat();
      for (const batch of batches)
        expect(seqs(batch)).toEqual(range(batch[0]?.seq ?? 0, (batch[0]?.seq ?? 0) + 2));
      const all = batches.flat().map((r) => r.seq);
      expect(all.sort((x, y) => x - y)).toEqual(range(1, 750));
      expect(await verifyChain(store)).toMatchObject({ ok: true, count: 750, lastSeq: 750 });
    });

    test('two replicas append to one gapless chain', async () => {
      const replica = await opened.reopen();
      const writeFrom = (s: Store, tag: string) =>
        Array.from({ length: 4 }, async (_, w) => {
          for (let b = 0; b < 25; b++) await appendMany(s, 2, () => ({ requestId: `${tag}-${w}-${b}` }));
        });
      await Promise.all([...writeFrom(store, 'one'), ...writeFrom(replica, 'two')]);
      expect(await verifyChain(replica)).toMatchObject({ ok: true, count: 400, lastSeq: 400 });
      expect(await store.queryAudit({ requestId: 'two-3-24' })).toHaveLength(2);
    });

    test('the hash chain detects an altered row at its seq', async () => {
      await appendMany(store, 12);
      expect(await verifyChain(store)).toMatchObject({ ok: true, count: 12 });
      await opened.exec(`UPDATE audit SET status = 599 WHERE seq = 7`);
      expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 7, reason: 'hash_mismatch' });
    });

    test('the hash chain detects a re-sealed row, a deleted row and a cut-off tail', async () => {
      const records = await appendMany(store, 10);
      // An intruder who recomputes the altered row's hash still breaks the link from the next one.
      const altered = { ...(records[4] as AuditRecord), status: 500 };
      await opened.exec(`UPDATE audit SET status = 500, hash = '${sealRecord(altered)}' WHERE seq = 5`);
      expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 6, reason: 'prev_hash_mismatch' });
      await opened.exec(`DELETE FROM audit WHERE seq = 3`);
      expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 3, reason: 'seq_gap' });
      await opened.exec(`DELETE FROM audit WHERE seq >= 3`);
      expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 3, reason: 'seq_gap' });
    });

    test('retention removes whole old segments and the rest still verifies', async () => {
      const day = (d: number) => `2025-01-${String(d).padStart(2, '0')}T00:00:00.000Z`;
      // Day 1..10, but record 6 carries an earlier time (a replica with a slow clock).
      await appendMany(store, 10, (i) => ({ time: i === 5 ? day(1) : day(i + 1) }));
      expect(await store.pruneAudit(day(1))).toMatchObject({ removed: 0, anchorSeq: 0 });
      const cut = await store.pruneAudit(day(4));
      expect(cut.removed).toBe(3);
      expect(cut.anchorSeq).toBe(3);
      expect(await store.auditBounds()).toMatchObject({
        firstSeq: 4,
        firstPrevHash: cut.anchorHash,
        lastSeq: 10,
      });
      expect(await verifyChain(store)).toMatchObject({ ok: true, count: 7, lastSeq: 10 });
      // Record 6 is old but record 4 is not: a segment is never split.
      expect(await store.pruneAudit(day(4))).toMatchObject({ removed: 0, anchorSeq: 3 });
      expect(seqs(await store.queryAudit({ order: 'asc' }))[0]).toBe(4);
      const all = await store.pruneAudit('2026-01-01T00:00:00.000Z');
      expect(all).toMatchObject({ removed: 7, anchorSeq: 10 });
      expect(await verifyChain(store)).toMatchObject({ ok: true, count: 0, lastSeq: 10 });
      await appendMany(store, 2);
      expect(await verifyChain(store)).toMatchObject({ ok: true, count: 2, lastSeq: 12 });
    });

    test('scanAudit streams every record in order across pages', async () => {
      await appendMany(store, 23);
      const seen: number[] = [];
      for await (const record of store.scanAudit(5, 4)) seen.push(record.seq);
      expect(seen).toEqual(range(5, 23));
    });

    test('watchChanges gives an unsubscribe function', async () => {
      const stop = await store.watchChanges(() => {});
      await stop();
    });

    test('a change applied by one replica is announced to another', async () => {
      const replica = await opened.reopen();
      const calls = callCounter();
      const stop = await replica.watchChanges(calls.onChange);
      try {
        const agent = makeAgent();
        await store.apply([{ op: 'putAgent', agent }], [], sealRecord);
        await calls.reach(1);
        expect(await replica.getAgent(agent.id)).toEqual(agent);
      } finally {
        await stop();
      }
    });

    test('a lost listener connection reconnects and asks for a full reload', async () => {
      const calls = callCounter();
      const stop = await store.watchChanges(calls.onChange);
      try {
        await opened.exec(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
        );
        await calls.reach(1);
        // The new connection listens again.
        await store.apply([{ op: 'putAgent', agent: makeAgent() }], [], sealRecord);
        await calls.reach(2);
      } finally {
        await stop();
      }
    });

    const webhookEvent = (id: string, event = 'user.created') => ({
      id,
      event,
      createdAt: '2025-01-01T00:00:00.000Z',
      receivedAt: `2025-01-01T00:00:0${id.length % 10}.000Z`,
      source: 'webhook' as const,
      body: JSON.stringify({ id, event, data: { id: 'user_1' }, created_at: '2025-01-01T00:00:00.000Z' }),
      fannedOut: false,
    });
    const subscriptionFor = (agentId: string, id: string) => ({
      id,
      agentId,
      url: 'http://127.0.0.1:9/hook',
      events: ['user.*'],
      secret: 'whsec_test',
      previousSecret: null,
      previousSecretExpiresAt: null,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    });

    test('webhooks: an event is stored once by id, byte for byte, and fanned out once', async () => {
      const agent = makeAgent();
      await store.apply([{ op: 'putAgent', agent }], [], sealRecord);
      await store.webhooks.putSubscription(subscriptionFor(agent.id, 'whs_1'));
      const event = webhookEvent('event_1');
      expect(await store.webhooks.insertEvent(event)).toBe(true);
      expect(await store.webhooks.insertEvent({ ...event, body: '{}' })).toBe(false);
      expect(await store.webhooks.getEvent('event_1')).toEqual(event);
      expect((await store.webhooks.listUnfannedEvents(10)).map((e) => e.id)).toEqual(['event_1']);
      const wanted = [
        { id: 'whd_1', subscriptionId: 'whs_1' },
        { id: 'whd_gone', subscriptionId: 'whs_deleted_meanwhile' },
      ];
      await store.webhooks.fanOut('event_1', wanted, 1_000, '2025-01-01T00:00:01.000Z');
      await store.webhooks.fanOut('event_1', [{ id: 'whd_2', subscriptionId: 'whs_1' }], 1_000, 'x');
      expect(await store.webhooks.listUnfannedEvents(10)).toEqual([]);
      const deliveries = await store.webhooks.listDeliveries({ eventId: 'event_1' });
      expect(deliveries.map((d) => [d.id, d.status, d.attempts, d.nextAttemptAt])).toEqual([
        ['whd_1', 'pending', 0, 1_000],
      ]);
      expect(await store.webhooks.nextDueAt()).toBe(1_000);
    });

    test('webhooks: a claimed delivery is leased to one worker until it finishes or the lease ends', async () => {
      const agent = makeAgent();
      await store.apply([{ op: 'putAgent', agent }], [], sealRecord);
      await store.webhooks.putSubscription(subscriptionFor(agent.id, 'whs_1'));
      for (const n of [1, 2, 3]) {
        await store.webhooks.insertEvent(webhookEvent(`event_${n}`));
        await store.webhooks.fanOut(
          `event_${n}`,
          [{ id: `whd_${n}`, subscriptionId: 'whs_1' }],
          n * 100,
          'x',
        );
      }
      const replica = await opened.reopen();
      const claim = (s: Store, owner: string, now: number) =>
        s.webhooks.claimDeliveries({ owner, now, leaseMs: 1_000, limit: 10 });
      const [a, b] = await Promise.all([claim(store, 'a', 250), claim(replica, 'b', 250)]);
      const taken = [...a, ...b].map((d) => d.id).sort();
      expect(taken).toEqual(['whd_1', 'whd_2']);
      expect((await claim(store, 'c', 1_000)).map((d) => d.id)).toEqual(['whd_3']);
      const update = {
        status: 'pending' as const,
        attempts: 1,
        nextAttemptAt: 5_000,
        lastAttemptAt: '2025-01-01T00:00:02.000Z',
        lastStatus: 500,
        lastError: null,
      };
      await store.webhooks.finishAttempt('whd_3', 'c', {
        ...update,
        status: 'delivered',
        nextAttemptAt: null,
      });
      expect(await store.webhooks.finishAttempt('whd_1', 'someone-else', update)).toBe(false);
      const owner = a.some((d) => d.id === 'whd_1') ? 'a' : 'b';
      expect(await store.webhooks.finishAttempt('whd_1', owner, update)).toBe(true);
      // whd_2's lease (until 1,250) runs out: another worker gets it.
      expect((await claim(replica, 'd', 1_300)).map((d) => d.id)).toEqual(['whd_2']);
      await replica.webhooks.finishAttempt('whd_2', 'd', {
        ...update,
        status: 'delivered',
        nextAttemptAt: null,
      });
      // whd_1 is due again at 5,000, not before.
      expect(await claim(store, 'e', 4_999)).toEqual([]);
      expect((await claim(store, 'e', 5_000)).map((d) => [d.id, d.attempts, d.lastStatus])).toEqual([
        ['whd_1', 1, 500],
      ]);
    });

    test('webhooks: requeue resets a dead delivery; deleting a subscription removes its deliveries', async () => {
      const agent = makeAgent();
      await store.apply([{ op: 'putAgent', agent }], [], sealRecord);
      await store.webhooks.putSubscription(subscriptionFor(agent.id, 'whs_1'));
      await store.webhooks.insertEvent(webhookEvent('event_1'));
      await store.webhooks.fanOut('event_1', [{ id: 'whd_1', subscriptionId: 'whs_1' }], 0, 'x');
      const [claimed] = await store.webhooks.claimDeliveries({ owner: 'w', now: 0, leaseMs: 10, limit: 1 });
      expect(claimed?.id).toBe('whd_1');
      await store.webhooks.finishAttempt('whd_1', 'w', {
        status: 'dead',
        attempts: 8,
        nextAttemptAt: null,
        lastAttemptAt: '2025-01-01T00:00:09.000Z',
        lastStatus: null,
        lastError: 'connection refused',
      });
      expect((await store.webhooks.listDeliveries({ status: 'dead' })).map((d) => d.id)).toEqual(['whd_1']);
      const again = await store.webhooks.requeueDelivery('event_1', 'whs_1', 'whd_new', 50, 'y');
      expect([again.id, again.status, again.attempts, again.nextAttemptAt]).toEqual([
        'whd_1',
        'pending',
        0,
        50,
      ]);
      const rotated = {
        ...subscriptionFor(agent.id, 'whs_1'),
        secret: 'whsec_new',
        previousSecret: 'whsec_test',
      };
      await store.webhooks.putSubscription(rotated);
      expect(await store.webhooks.listSubscriptions(agent.id)).toEqual([rotated]);
      expect(await store.webhooks.deleteSubscription('whs_1')).toBe(true);
      expect(await store.webhooks.deleteSubscription('whs_1')).toBe(false);
      expect(await store.webhooks.listDeliveries({})).toEqual([]);
      expect(await store.webhooks.getSubscription('whs_1')).toBeNull();
    });

    test('operators, freezes and approvals: stored, found by token hash, revoked; an approval is written only over the revision it read', async () => {
      const operator = {
        id: 'opr_1',
        name: 'alice',
        role: 'approver' as const,
        hash: 'a'.repeat(64),
        hint: 'bolop_abcd',
        createdAt: '2025-01-01T00:00:00.000Z',
        createdBy: 'admin',
        revokedAt: null,
      };
      await store.apply([{ op: 'putOperator', operator }], [], sealRecord);
      expect(await store.findOperator('a'.repeat(64))).toEqual(operator);
      expect(await store.findOperator('b'.repeat(64))).toBeNull();
      await store.apply(
        [{ op: 'revokeOperator', operatorId: 'opr_1', at: '2025-01-02T00:00:00.000Z' }],
        [],
        sealRecord,
      );
      expect((await store.listOperators())[0]?.revokedAt).toBe('2025-01-02T00:00:00.000Z');

      const freeze = {
        scope: 'all',
        agentName: null,
        writesOnly: true,
        reason: 'incident 42',
        createdAt: '2025-01-01T00:00:00.000Z',
        createdBy: 'alice',
      };
      await store.apply([{ op: 'putFreeze', freeze }], [], sealRecord);
      await store.apply([{ op: 'putFreeze', freeze: { ...freeze, writesOnly: false } }], [], sealRecord);
      expect(await store.listFreezes()).toEqual([{ ...freeze, writesOnly: false }]);
      await store.apply([{ op: 'deleteFreeze', scope: 'all' }], [], sealRecord);
      expect(await store.listFreezes()).toEqual([]);
      await expect(
        store.apply([{ op: 'deleteFreeze', scope: 'all' }], [], sealRecord),
      ).rejects.toBeInstanceOf(StoreError);

      const approval = {
        id: 'apr_1',
        agentId: 'agt_1',
        agentName: 'bot',
        endpointId: 'organizations.delete',
        method: 'DELETE',
        path: '/organizations/org_1',
        digest: 'd'.repeat(64),
        policyVersion: '2025-01-01T00:00:00.000Z',
        selector: 'destructive',
        required: 2,
        status: 'pending' as const,
        decisions: [],
        request: { query: {} },
        requestId: 'req_1',
        createdAt: '2025-01-01T00:00:00.000Z',
        expiresAt: '2025-01-01T00:15:00.000Z',
        usedAt: null,
        revision: 0,
      };
      await store.apply([{ op: 'putApproval', approval }], [], sealRecord);
      const decided = {
        ...approval,
        decisions: [
          { operator: 'alice', decision: 'approve' as const, reason: null, at: '2025-01-01T00:01:00.000Z' },
        ],
        revision: 1,
      };
      await store.apply([{ op: 'putApproval', approval: decided, expectRevision: 0 }], [], sealRecord);
      // A second writer that read revision 0 loses: its decision is not written over the first.
      await expect(
        store.apply(
          [
            {
              op: 'putApproval',
              approval: { ...approval, status: 'denied', revision: 1 },
              expectRevision: 0,
            },
          ],
          [],
          sealRecord,
        ),
      ).rejects.toMatchObject({ code: 'conflict' });
      expect(await store.getApproval('apr_1')).toEqual(decided);
      expect(
        (await store.listApprovals({ agentId: 'agt_1', digest: 'd'.repeat(64) })).map((a) => a.id),
      ).toEqual(['apr_1']);
      expect(await store.listApprovals({ status: 'approved' })).toEqual([]);
      await store.apply([{ op: 'voidApprovals', agentId: 'agt_1' }], [], sealRecord);
      expect(await store.getApproval('apr_1')).toMatchObject({ status: 'void', revision: 2 });
    });
  });
}
