import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyChain } from '../src/audit/index.js';
import type { AuditRecord } from '../src/store/types.js';
import { callsRepresented, type Harness, startHarness } from './support/harness.js';

async function call(h: Harness, token: string, method: string, target: string, body?: unknown) {
  const response = await fetch(`${h.proxyUrl}${target}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

async function allRecords(h: Harness): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const record of h.app.store.scanAudit()) out.push(record);
  return out;
}

describe('audit: every call recorded, write-ahead, tamper-evident', () => {
  let h: Harness;
  let reader: string;
  let writer: string;
  const seen: string[] = [];

  beforeAll(async () => {
    h = await startHarness({
      config: { headersTimeoutMs: 1_500, connectTimeoutMs: 1_500, auditSynchronous: 'full' },
    });
    reader = await h.agent('reader', ['organizations:read', 'users:read']);
    writer = await h.agent('writer', ['organizations:write', 'users:write']);
  });
  afterAll(() => h?.close());

  it('N mixed calls give exactly N call records, each with its matching outcome, and the chain verifies', async () => {
    const before = (await allRecords(h)).length;
    const calls: Array<[string, string, string, unknown?]> = [];
    for (let i = 0; i < 20; i++) {
      calls.push([reader, 'GET', '/organizations']);
      calls.push([reader, 'POST', '/organizations', { name: `nope ${i}` }]); // denied: read-only
      calls.push([writer, 'POST', '/organizations', { name: `Org ${i}` }]);
      calls.push(['bol_bad', 'GET', '/user_management/users']); // denied: malformed token
      calls.push([writer, 'GET', '/no/such/endpoint']); // denied: not in the catalog
      calls.push([
        writer,
        'POST',
        '/user_management/authenticate',
        {
          grant_type: 'password',
          email: 'x@example.com',
          password: 'hunter2-secret',
          client_id: h.emulator.clientId,
          client_secret: writer,
        },
      ]);
    }
    const results = await Promise.all(
      calls.map(([token, method, target, body]) => call(h, token, method, target, body)),
    );
    for (const result of results) seen.push(result.text, JSON.stringify([...result.headers]));
    await h.app.anonymous.flush();
    await h.app.audit.flush();
    await new Promise((resolve) => setTimeout(resolve, 100));

    const records = (await allRecords(h)).slice(before);
    const callRecords = records.filter((r) => r.kind === 'call');
    // Repeated failures without a valid token from one source are one record per second with their count.
    expect(callRecords.reduce((sum, r) => sum + callsRepresented(r), 0)).toBe(calls.length);
    const outcomes = new Map(records.filter((r) => r.kind === 'outcome').map((r) => [r.requestId, r]));
    for (const [i, result] of results.entries()) {
      const requestId = result.headers.get('x-bollard-request-id')!;
      const record = callRecords.find((r) => r.requestId === requestId);
      if (!record && calls[i]![0] === 'bol_bad') continue; // counted in an aggregate record
      expect(record, `call ${i}`).toBeDefined();
      const final = record!.decision === 'deny' ? record!.status : outcomes.get(requestId)?.status;
      expect(final, `${calls[i]![1]} ${calls[i]![2]}`).toBe(result.status);
    }
    expect(records.filter((r) => r.kind === 'outcome')).toHaveLength(
      callRecords.filter((r) => r.decision === 'allow').length,
    );
    const raw = JSON.stringify(records);
    expect(raw).not.toContain('hunter2-secret');
    expect(raw).not.toContain(writer);
    expect(await verifyChain(h.app.store)).toMatchObject({ ok: true });
  });

  it('forwards nothing when the audit store cannot write: 503 audit_unavailable, and WorkOS sees none of it', async () => {
    const file = path.join(h.dataDir, 'bollard.db');
    const saboteur = new Database(file);
    saboteur.exec(
      "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    try {
      await h.clearEmulatorRequests();
      const results = await Promise.all([
        call(h, reader, 'GET', '/organizations'),
        call(h, writer, 'POST', '/organizations', { name: 'never created' }),
        call(h, writer, 'DELETE', '/organizations/org_123'),
      ]);
      for (const result of results) {
        expect(result.status).toBe(503);
        expect(JSON.parse(result.text)).toMatchObject({ code: 'audit_unavailable' });
      }
      expect(await h.emulatorRequests()).toEqual([]);
    } finally {
      saboteur.exec('DROP TRIGGER refuse_audit');
      saboteur.close();
    }
    const recovered = await call(h, reader, 'GET', '/organizations');
    expect(recovered.status).toBe(200);
  });

  it('answers 504 upstream_timeout and 502 upstream_unavailable promptly on injected faults, and records them', async () => {
    const inject = (fault: Record<string, unknown>) =>
      fetch(`${h.emulator.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fault),
      });
    await inject({ path: '/organizations', method: 'GET', count: 1, delayMs: 3000 });
    // A 504 is the proof that Bollard gave up first: the fault would have answered 200 after 3 s.
    const slow = await call(h, reader, 'GET', '/organizations');
    expect(slow.status).toBe(504);
    expect(JSON.parse(slow.text)).toMatchObject({ code: 'upstream_timeout' });

    await inject({ path: '/organizations', method: 'GET', count: 2, drop: true });
    const dropped = await call(h, reader, 'GET', '/organizations');
    expect(dropped.status).toBe(502);
    expect(JSON.parse(dropped.text)).toMatchObject({ code: 'upstream_unavailable' });

    // Outcome records ride with the next group commit: wait for them rather than for a fixed time.
    for (const failed of [slow, dropped]) {
      const requestId = failed.headers.get('x-bollard-request-id')!;
      await vi.waitFor(
        async () => {
          const records = await h.app.store.queryAudit({ requestId });
          expect(records.map((r) => r.kind).sort()).toEqual(['call', 'outcome']);
          expect(records.find((r) => r.kind === 'outcome')!.status).toBe(failed.status);
        },
        { timeout: 10_000, interval: 50 },
      );
    }
    seen.push(slow.text, dropped.text);
  });

  it('verify fails at the exact record that was altered in the database file', async () => {
    const records = await allRecords(h);
    const victim = records[Math.floor(records.length / 2)]!;
    const db = new Database(path.join(h.dataDir, 'bollard.db'));
    // A change that is a change whatever the victim was (setting 200/allow on an allowed call altered nothing).
    db.prepare('UPDATE audit SET status = COALESCE(status, 0) + 1 WHERE seq = ?').run(victim.seq);
    db.close();
    const result = await verifyChain(h.app.store);
    expect(result).toMatchObject({ ok: false, seq: victim.seq });
  });

  it('never lets the WorkOS key out: not in a response, a header, a log line, or a byte of the database', async () => {
    const key = h.emulator.apiKey;
    expect(seen.length).toBeGreaterThan(0);
    for (const text of seen) expect(text).not.toContain(key);
    expect(h.logs()).not.toContain(key);
    for (const name of readdirSync(h.dataDir)) {
      const bytes = readFileSync(path.join(h.dataDir, name));
      expect(bytes.includes(Buffer.from(key)), name).toBe(false);
    }
    // The emulator did receive it, so the scan above is looking for the right thing.
    const received = await h.emulatorRequests();
    expect(received.length).toBeGreaterThan(0);
  });
});
