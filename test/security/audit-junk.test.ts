import path from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/index.js';
import type { AuditRecord } from '../../src/store/types.js';
import { auditRecords, callsRepresented, type Harness, startHarness } from '../support/harness.js';

const MB = 1024 * 1024;

/** Bytes of the database's pages in use, committed WAL frames included: what the file holds once checkpointed. */
function databaseBytes(dataDir: string): number {
  const db = new Database(path.join(dataDir, 'bollard.db'), { readonly: true });
  try {
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}

/** Every record of the app since `seq`, after the anonymous aggregates and the writer are flushed. */
async function recordsSince(h: Harness, seq: number): Promise<AuditRecord[]> {
  await h.app.anonymous.flush();
  await h.app.audit.flush();
  return auditRecords(h.app, seq + 1);
}

async function headSeq(h: Harness): Promise<number> {
  await h.app.audit.flush();
  return (await h.app.store.auditBounds()).lastSeq;
}

describe('bounded audit storage: junk from anyone who can reach the proxy cannot fill the disk', () => {
  let h: Harness;
  let pool: Pool;

  beforeAll(async () => {
    // The per-source 429 stays off (the harness default): what is measured is what the caps and the
    // aggregation alone bound, every junk call reaching the pipeline.
    h = await startHarness({ config: { workosWebhookSecret: 'whsec_junk_test' } });
    pool = new Pool(h.proxyUrl, { connections: 16 });
  });
  afterAll(async () => {
    await pool?.close();
    await h?.close();
  });

  it('10,000 anonymous junk requests (no token, malformed token, huge headers and query, forged webhooks) add less than 1 MB', async () => {
    const before = await headSeq(h);
    const bytesBefore = databaseBytes(h.dataDir);
    const bigAgent = 'A'.repeat(8_000);
    const bigKey = 'k'.repeat(7_000);
    const junk = (i: number): { path: string; headers: Record<string, string>; method?: string } => {
      switch (i % 5) {
        case 0:
          return { path: '/organizations', headers: {} };
        case 4:
          return {
            method: 'POST',
            path: '/webhooks/workos',
            headers: { 'workos-signature': `t=1, v1=${i}`, 'user-agent': bigAgent },
          };
        case 1:
          return { path: '/user_management/users', headers: { authorization: `Bearer junk-${i}` } };
        case 2:
          return { path: `/organizations?${bigKey}=${i}`, headers: { 'user-agent': bigAgent } };
        default:
          return { path: `/no/such/${'x'.repeat(400)}/${i}`, headers: { authorization: `Bearer bol_${i}` } };
      }
    };
    const statuses = new Map<number, number>();
    const total = 10_000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          const { path: target, headers, method = 'GET' } = junk(next++);
          const response = await pool.request({
            method,
            path: target,
            headers,
            body: method === 'POST' ? '{}' : undefined,
          });
          await response.body.dump();
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 401: total });

    const records = await recordsSince(h, before);
    const rowBytes = records.reduce((sum, record) => sum + JSON.stringify(record).length, 0);
    const grown = databaseBytes(h.dataDir) - bytesBefore;
    const largest = Math.max(...records.map((record) => JSON.stringify(record).length));
    console.log(
      `10,000 anonymous junk requests: ${records.length} audit records, ${rowBytes.toLocaleString('en-US')} bytes of records, database grew ${grown.toLocaleString('en-US')} bytes; largest record ${largest.toLocaleString('en-US')} bytes`,
    );
    expect(grown).toBeLessThan(MB);
    expect(rowBytes).toBeLessThan(MB);
    // Nothing is lost: every call is in a record, alone or counted in an aggregate.
    expect(records.reduce((sum, record) => sum + callsRepresented(record), 0)).toBe(total);
    expect(await verifyChain(h.app.store)).toMatchObject({ ok: true });
  }, 180_000);

  it('keeps the first failure of a kind from a source in full, counts the rest, and the chain verifies', async () => {
    const before = await headSeq(h);
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const response = await pool.request({
        method: 'GET',
        path: `/organizations?attempt=${i}`,
        headers: { 'user-agent': `probe/${i}` },
      });
      await response.body.dump();
      expect(response.statusCode).toBe(401);
      ids.push(String(response.headers['x-bollard-request-id']));
    }
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;

    const records = (await recordsSince(h, before)).filter((r) => r.reason === 'missing_token');
    const first = records.find((r) => r.requestId === ids[0]);
    expect(first).toMatchObject({
      decision: 'deny',
      status: 401,
      path: '/organizations',
      userAgent: 'probe/0',
      clientIp: '127.0.0.1',
      details: { query: { attempt: '0' } },
    });
    const aggregates = records.filter((r) => callsRepresented(r) > 1 || r.requestId.startsWith('agg_'));
    expect(aggregates.length).toBeGreaterThan(0);
    for (const aggregate of aggregates) {
      expect(aggregate).toMatchObject({ kind: 'call', decision: 'deny', status: 401, clientIp: '127.0.0.1' });
      expect(aggregate.details).toMatchObject({ aggregate: { count: expect.any(Number) } });
    }
    expect(records.reduce((sum, record) => sum + callsRepresented(record), 0)).toBe(30);
    // At most two records (the first in full, then the aggregate) per window of one second.
    expect(records.length).toBeLessThanOrEqual(2 * seconds);
    expect(await verifyChain(h.app.store)).toMatchObject({ ok: true });
  });

  it('cuts long strings with a marker of what was cut and caps parameters and fields with a count', async () => {
    const token = await h.agent('caps-writer', ['organizations:write']);
    const before = await headSeq(h);
    const many = Array.from({ length: 100 }, (_, i) => `p${i}=x`).join('&');
    const anonymous = await pool.request({
      method: 'GET',
      path: `/organizations?${'q'.repeat(7_000)}=v&${many}`,
      headers: { 'user-agent': 'u'.repeat(8_000) },
    });
    await anonymous.body.dump();
    const longPath = await pool.request({
      method: 'GET',
      path: `/organizations/${'o'.repeat(3_000)}/nothing`,
      headers: { authorization: `Bearer ${token}` },
    });
    await longPath.body.dump();
    const fields: Record<string, string> = { long: 'L'.repeat(10_000), name: 'Capped Org' };
    for (let i = 0; i < 200; i++) fields[`f${i}`] = 'v';
    const bigBody = await pool.request({
      method: 'POST',
      path: '/organizations',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(fields),
    });
    await bigBody.body.dump();

    const records = await recordsSince(h, before);
    const byId = (response: typeof anonymous) =>
      records.find((r) => r.requestId === response.headers['x-bollard-request-id'] && r.kind === 'call')!;

    const junk = byId(anonymous);
    expect(junk.userAgent).toBe(`${'u'.repeat(256)}…[cut 7744 chars]`);
    const query = (junk.details as { query: Record<string, unknown> }).query;
    expect(query[`${'q'.repeat(64)}…[cut 6936 chars]`]).toBe('v');
    expect(query['[dropped]']).toBe(51);
    expect(Object.keys(query)).toHaveLength(51);

    const pathRecord = byId(longPath);
    expect(pathRecord.path).toMatch(/^\/organizations\/o+…\[cut \d+ chars\]$/);
    expect(pathRecord.path!.length).toBeLessThan(600);

    const body = (byId(bigBody).details as { body: Record<string, unknown> }).body;
    expect(body.long).toBe(`${'L'.repeat(256)}…[cut 9744 chars]`);
    expect(body['[dropped]']).toBe(202 - 50);

    const sizes = [junk, pathRecord, byId(bigBody)].map((r) => JSON.stringify(r).length);
    console.log(
      `records of an 8 KB User-Agent + 7,000-char key, a 3,000-char path, a 10 KB body: ${sizes.join(', ')} bytes`,
    );
    for (const size of sizes) expect(size).toBeLessThan(4_096);
  });
});
