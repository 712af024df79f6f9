import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer } from '../src/app/create-app.js';
import { signatureHeader as emulatorSignature } from '../src/emulator/index.js';
import { eventually } from './support/eventually.js';
import { type Harness, startHarness } from './support/harness.js';
import { parseScrape, type Scrape, scrape } from './support/metrics.js';
import { findPromtool, promtool } from './support/promtool.js';
import { findSeedIds } from './support/seed-calls.js';

const WEBHOOK_SECRET = 'whsec_metrics_test';

async function call(h: Harness, token: string | null, method: string, target: string, body?: unknown) {
  const response = await fetch(`${h.proxyUrl}${target}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

function inject(h: Harness, fault: Record<string, unknown>) {
  return fetch(`${h.emulator.url}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
}

describe('Prometheus metrics move with what happens', () => {
  let h: Harness;
  let reader: string;
  let metricsNow: () => Promise<Scrape>;
  beforeAll(async () => {
    h = await startHarness({
      // The test's webhook receiver listens on 127.0.0.1.
      config: { workosWebhookSecret: WEBHOOK_SECRET, headersTimeoutMs: 1000, webhookAllowPrivate: '1' },
      app: {
        breaker: { threshold: 3, halfOpenAfterMs: 60_000 },
        webhooks: { schedule: [0, 50, 100, 100, 100, 100, 100, 100], pollMs: 50 },
      },
    });
    reader = await h.agent('reader', ['organizations:read', 'users:read', 'sso:read', 'directory_sync:read']);
    metricsNow = () => scrape(h.app.metrics!.registry);
  });
  afterAll(async () => {
    await h.close();
  });

  it('counts calls by agent, area, access, decision, reason and status, denials by permission, and splits the latency', async () => {
    const before = await metricsNow();
    expect((await call(h, reader, 'GET', '/organizations')).status).toBe(200);
    expect((await call(h, reader, 'POST', '/organizations', { name: 'x' })).status).toBe(403);
    expect((await call(h, 'bol_not_a_token', 'GET', '/organizations')).status).toBe(401);
    const after = await metricsNow();
    const delta = (name: string, labels: Record<string, string>) =>
      after.value(name, labels) - before.value(name, labels);

    expect(
      delta('bollard_calls_total', {
        agent: 'reader',
        area: 'organizations',
        access: 'read',
        decision: 'allow',
        status: '200',
      }),
    ).toBe(1);
    expect(
      delta('bollard_calls_total', {
        agent: 'reader',
        area: 'organizations',
        access: 'write',
        decision: 'deny',
        reason: 'missing_permission',
        status: '403',
      }),
    ).toBe(1);
    expect(delta('bollard_denials_total', { agent: 'reader', permission: 'organizations:write' })).toBe(1);
    expect(delta('bollard_calls_total', { agent: 'anonymous', decision: 'deny', status: '401' })).toBe(1);
    expect(delta('bollard_call_overhead_seconds_count', { decision: 'allow' })).toBe(1);
    expect(delta('bollard_call_overhead_seconds_count', { decision: 'deny' })).toBe(2);
    expect(delta('bollard_upstream_duration_seconds_count', {})).toBe(1);
    expect(delta('bollard_upstream_responses_total', { class: '2xx' })).toBe(1);
    // A resource id never becomes a label.
    expect(after.text).not.toMatch(/org_[0-9A-Z]{10,}/);
  });

  it('shows audit group commits, the chain head and the queue', async () => {
    await h.app.audit.flush();
    const m = await metricsNow();
    const head = (await h.app.store.auditBounds()).lastSeq;
    expect(m.value('bollard_audit_chain_head_seq')).toBe(head);
    expect(m.value('bollard_audit_commit_duration_seconds_count')).toBeGreaterThan(0);
    expect(m.value('bollard_audit_commit_rows_sum')).toBeGreaterThanOrEqual(head - 3); // agents' admin records go through apply()
    expect(m.samples('bollard_audit_queue_depth')).toHaveLength(1);
  });

  it('counts calls that wait for a WorkOS limit and the wait', async () => {
    const ids = await findSeedIds(h.sdk(reader), h.emulator.clientId);
    const before = await metricsNow();
    // WorkOS allows 4 directory-user lists per second per directory: 8 at once means some wait.
    const waiters = Array.from({ length: 8 }, () =>
      call(h, reader, 'GET', `/directory_users?directory=${ids.directoryId}&limit=1`),
    );
    const during = await eventually(async () => {
      const m = await metricsNow();
      expect(m.value('bollard_ratelimit_waiting_calls')).toBeGreaterThan(0);
      return m;
    });
    expect(during.value('bollard_ratelimit_waiting_calls')).toBeLessThanOrEqual(8);
    expect((await Promise.all(waiters)).map((r) => r.status)).toEqual(Array(8).fill(200));
    const after = await metricsNow();
    expect(after.value('bollard_ratelimit_waiting_calls')).toBe(0);
    expect(
      after.value('bollard_ratelimit_wait_seconds_count') -
        before.value('bollard_ratelimit_wait_seconds_count'),
    ).toBeGreaterThanOrEqual(1);
    expect(after.value('bollard_ratelimit_wait_seconds_sum')).toBeGreaterThan(0.1);
    expect(after.value('bollard_ratelimit_degraded')).toBe(0);
  });

  it('shows upstream timeouts, retries, 5xx, the breaker opening and the calls it short-circuits', async () => {
    const before = await metricsNow();
    await inject(h, { path: '/organizations', method: 'GET', count: 1, delayMs: 2000 });
    expect((await call(h, reader, 'GET', '/organizations')).status).toBe(504);
    // A connection dropped before any answer is retried once by Bollard.
    await inject(h, { path: '/organizations', method: 'GET', count: 1, drop: true });
    expect((await call(h, reader, 'GET', '/organizations')).status).toBe(200);
    expect(
      (await metricsNow()).value('bollard_upstream_breaker_state', {
        domain: 'organizations',
        state: 'closed',
      }),
    ).toBe(1);

    await inject(h, { path: '/organizations', method: 'GET', count: 3, status: 503 });
    for (let i = 0; i < 3; i++) expect((await call(h, reader, 'GET', '/organizations')).status).toBe(503);
    const open = await call(h, reader, 'GET', '/organizations');
    expect(JSON.parse(open.text)).toMatchObject({ reason: 'circuit_open' });
    const after = await metricsNow();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      after.value(name, labels) - before.value(name, labels);
    expect(delta('bollard_upstream_timeouts_total', { phase: 'headers' })).toBe(1);
    expect(delta('bollard_upstream_retries_total')).toBe(1);
    expect(delta('bollard_upstream_responses_total', { class: '5xx' })).toBe(3);
    expect(delta('bollard_upstream_short_circuits_total', { domain: 'organizations' })).toBe(1);
    const organizations = (state: string) => ({ domain: 'organizations', state });
    expect(after.value('bollard_upstream_breaker_state', organizations('open'))).toBe(1);
    expect(after.value('bollard_upstream_breaker_state', organizations('closed'))).toBe(0);
    // Other areas this replica called are healthy, so it stays ready (test/resilience-breakers.test.ts
    // shows it turning unready once every area it called is open).
    const others = after
      .samples('bollard_upstream_breaker_state')
      .filter((s) => s.labels.domain !== 'organizations' && s.labels.state === 'closed' && s.value === 1);
    expect(others.length).toBeGreaterThan(0);
    expect(after.value('bollard_ready')).toBe(1);
    const readyz = await fetch(`${h.proxyUrl}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({ checks: { store: true, upstream: true } });
  });

  it('counts audit write failures', async () => {
    const before = (await metricsNow()).value('bollard_audit_write_failures_total');
    const saboteur = new Database(path.join(h.dataDir, 'bollard.db'));
    saboteur.exec(
      "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    try {
      expect((await call(h, reader, 'GET', '/user_management/users')).status).toBe(503);
    } finally {
      saboteur.exec('DROP TRIGGER refuse_audit');
      saboteur.close();
    }
    const after = await metricsNow();
    expect(after.value('bollard_audit_write_failures_total') - before).toBeGreaterThanOrEqual(1);
    expect(after.value('bollard_audit_failed_records_total')).toBeGreaterThanOrEqual(1);
  });

  it('counts inbound webhooks verified and refused, delivery attempts, and the outbox by state', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(String(req.headers['workos-signature']));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      await h.app.webhooks.service.subscribe(
        { agent: 'reader', url, events: ['user.created'] },
        { kind: 'admin', name: 'test' },
      );
      const body = JSON.stringify({
        id: 'event_metrics_1',
        event: 'user.created',
        data: { object: 'user', id: 'user_1' },
        created_at: new Date().toISOString(),
      });
      const post = (signature: string) =>
        fetch(`${h.proxyUrl}/webhooks/workos`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'workos-signature': signature },
          body,
        });
      expect((await post(emulatorSignature(WEBHOOK_SECRET, body))).status).toBe(200);
      expect((await post(emulatorSignature('whsec_wrong', body))).status).toBe(401);
      await eventually(() => expect(received).toHaveLength(1));
      const m = await eventually(async () => {
        const scraped = await metricsNow();
        expect(scraped.value('bollard_webhook_delivery_attempts_total', { result: 'delivered' })).toBe(1);
        return scraped;
      });
      expect(m.value('bollard_webhook_inbound_total', { result: 'verified', reason: 'received' })).toBe(1);
      expect(m.value('bollard_webhook_inbound_total', { result: 'refused' })).toBe(1);
      expect(m.value('bollard_webhook_deliveries', { state: 'delivered' })).toBe(1);
      expect(m.value('bollard_webhook_deliveries', { state: 'pending' })).toBe(0);
      expect(m.samples('bollard_webhook_oldest_pending_age_seconds')).toHaveLength(1);
    } finally {
      await closeServer(receiver);
    }
  });

  const promtoolPath = findPromtool();
  it.skipIf(promtoolPath === null)(
    'passes `promtool check metrics` on a scrape taken after all that traffic',
    async () => {
      const text = (await metricsNow()).text;
      expect(parseScrape(text).value('bollard_calls_total')).toBeGreaterThan(10);
      promtool(promtoolPath!, ['check', 'metrics'], text);
    },
  );
});

describe('rate-limit refusals', () => {
  let h: Harness | undefined;
  afterAll(async () => {
    await h?.close();
  });

  it('counts fair-share refusals by reason, one per 429 the agents got', async () => {
    h = await startHarness({ config: { generalLimit: '20/2', rateLimitReserve: 0 } });
    const flooder = await h.agent('flooder', ['organizations:read']);
    const steady = await h.agent('steady', ['organizations:read']);
    const flood = Promise.all(Array.from({ length: 60 }, () => call(h!, flooder, 'GET', '/organizations')));
    const steadyResults = [];
    for (let i = 0; i < 3; i++) steadyResults.push(await call(h, steady, 'GET', '/organizations'));
    const results = [...(await flood), ...steadyResults];
    const fairShare = results.filter((r) => r.status === 429 && JSON.parse(r.text).reason === 'fair_share');
    expect(fairShare.length).toBeGreaterThan(0);
    const m = await scrape(h.app.metrics!.registry);
    expect(m.value('bollard_ratelimit_refusals_total', { reason: 'fair_share' })).toBe(fairShare.length);
    expect(m.value('bollard_calls_total', { agent: 'flooder', reason: 'fair_share', status: '429' })).toBe(
      fairShare.length,
    );
  });
});
