import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyChain } from '../src/audit/verify.js';
import { generateAgentToken } from '../src/credentials/agent-token.js';
import type { AuditRecord } from '../src/store/types.js';
import { auditRecords, type Harness, startHarness } from './support/harness.js';
import { type RawResponse, rawHttp } from './support/raw-http.js';

/**
 * The fast path and the full pipeline must be one gateway: every kind of call, sent to a Bollard with the
 * fast path on and to one with it off (`fastPath: 'off'`), each in front of its own deterministic emulator
 * in the same state, must get the same status, headers, body and audit records (ids, times and latencies
 * aside). Each side is driven through the same sequence, so limiter and aggregation state match too.
 */

const FIXED_NOW = Date.parse('2026-12-01T12:00:00.000Z');

interface Side {
  h: Harness;
  tokens: Record<string, string>;
  /** Credential-cache lookups (the store read the fast path never makes). */
  lookups: number;
}

type Grant = string | { permission: string; redact?: string[] };
/** Agents each side makes alike; `{org}` in a grant is the emulator's first organization. */
const AGENTS: Record<string, { grants: Grant[]; enabled?: boolean; quota?: { perMinute: number } }> = {
  reader: { grants: ['organizations:read', 'sso:read'] },
  writer: { grants: ['organizations:write', 'users:write', 'sso:write'] },
  users: { grants: ['users:read'] },
  disabled: { grants: ['organizations:read'], enabled: false },
  quota: { grants: ['organizations:read'], quota: { perMinute: 1 } },
  revoked: { grants: ['organizations:read'] },
  frozen: { grants: ['organizations:write'] },
  redacted: { grants: [{ permission: 'organizations:read', redact: ['data.*.domains', 'domains'] }] },
  pinned: { grants: ['organizations:read@{org}'] },
};

const UNKNOWN_TOKEN = generateAgentToken();

async function startSide(fastPath: 'on' | 'off'): Promise<Side> {
  const h = await startHarness({
    config: { fastPath },
    emulator: { deterministic: true, now: () => FIXED_NOW },
  });
  const tokens: Record<string, string> = {};
  const first = await firstOrganization(h);
  for (const [name, agent] of Object.entries(AGENTS)) {
    const grants = agent.grants.map((g) => (typeof g === 'string' ? g.replace('{org}', first) : g));
    const { token } = await h.app.agents.create(
      { name, grants, enabled: agent.enabled, quota: agent.quota },
      { kind: 'admin', name: 'test' },
    );
    tokens[name] = token;
  }
  await h.app.agents.revoke('revoked', { kind: 'admin', name: 'test' });
  await h.app.freezes.freeze(
    { target: { agent: 'frozen' }, writesOnly: true, reason: 'incident 7' },
    { name: 'admin', role: 'admin' },
  );
  const side: Side = { h, tokens, lookups: 0 };
  const cache = h.app.credentials;
  const lookup = cache.lookup.bind(cache);
  cache.lookup = (hash) => {
    side.lookups++;
    return lookup(hash);
  };
  return side;
}

/** One call, as a template both sides fill with their own tokens and the emulator's ids. */
interface Case {
  name: string;
  method: string;
  target: string;
  /** Whose token goes in the bearer (`none` for no Authorization header), or a literal header value. */
  as?: keyof typeof AGENTS | 'none' | { authorization: string };
  headers?: Record<string, string>;
  body?: string;
  /** Scripted upstream failure for this call. */
  fault?: Record<string, unknown>;
  /** On the fast side, the call must not read the store for its token: it took the fast path. */
  fast?: boolean;
  /** A header the answer must carry on both sides (proof the case exercised what it names). */
  expectHeader?: string;
  /** The token this call sends in a body's client_secret. */
  bodyToken?: keyof typeof AGENTS;
}

const CASES: Case[] = [
  { name: 'allowed read', method: 'GET', target: '/organizations', as: 'reader', fast: true },
  {
    name: 'query: limit and order',
    method: 'GET',
    target: '/organizations?limit=1&order=desc',
    as: 'reader',
    fast: true,
  },
  {
    name: 'query: repeated keys',
    method: 'GET',
    target: '/organizations?domains=a.test&domains=b.test',
    as: 'reader',
    fast: true,
  },
  {
    name: 'query: bracket list',
    method: 'GET',
    target: '/organizations?domains[]=a.test&domains%5B%5D=b.test',
    as: 'reader',
    fast: true,
  },
  {
    name: 'query: encoded and empty values',
    method: 'GET',
    target: '/organizations?search=%E2%9C%93+x&after=&',
    as: 'reader',
    fast: true,
  },
  {
    name: 'query: a secret-looking value',
    method: 'GET',
    target: '/organizations?limit=1&code=abc123',
    as: 'reader',
    fast: true,
  },
  {
    name: 'allowed read of one object',
    method: 'GET',
    target: '/organizations/{org}',
    as: 'reader',
    fast: true,
  },
  { name: 'upstream 404', method: 'GET', target: '/organizations/org_missing', as: 'reader', fast: true },
  {
    name: 'allowed delete (no body)',
    method: 'DELETE',
    target: '/organizations/{org}',
    as: 'writer',
    fast: true,
  },
  {
    name: 'allowed write, JSON body',
    method: 'POST',
    target: '/organizations',
    as: 'writer',
    headers: { 'content-type': 'application/json' },
    body: '{"name":"Equal Co","domain_data":[]}',
  },
  {
    name: 'allowed write, JSON sent as text/plain',
    method: 'POST',
    target: '/organizations',
    as: 'writer',
    headers: { 'content-type': 'text/plain' },
    body: '{"name":"Plain Co"}',
  },
  {
    name: 'allowed write, form body',
    method: 'POST',
    target: '/organizations',
    as: 'writer',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=Form+Co',
  },
  {
    name: 'write with an empty body (content-length 0)',
    method: 'PUT',
    target: '/organizations/{org}',
    as: 'writer',
    headers: { 'content-type': 'application/json' },
    body: '',
    fast: true,
  },
  {
    name: 'malformed JSON body',
    method: 'POST',
    target: '/organizations',
    as: 'writer',
    headers: { 'content-type': 'application/json' },
    body: '{"name":',
  },
  {
    name: 'duplicate keys in a body',
    method: 'POST',
    target: '/organizations',
    as: 'writer',
    headers: { 'content-type': 'application/json' },
    body: '{"name":"a","name":"b"}',
  },
  { name: 'missing token', method: 'GET', target: '/organizations', as: 'none' },
  {
    name: 'malformed token',
    method: 'GET',
    target: '/organizations',
    as: { authorization: 'Bearer bol_nope' },
  },
  {
    name: 'unknown token',
    method: 'GET',
    target: '/organizations',
    as: { authorization: `Bearer ${UNKNOWN_TOKEN}` },
  },
  {
    name: 'a WorkOS key as the token',
    method: 'GET',
    target: '/organizations',
    as: { authorization: 'Bearer sk_test_123' },
  },
  { name: 'revoked token', method: 'GET', target: '/organizations', as: 'revoked', fast: true },
  {
    name: 'frozen agent (writes only): a read goes on',
    method: 'GET',
    target: '/organizations',
    as: 'frozen',
    fast: true,
  },
  {
    name: 'frozen agent (writes only): a delete is refused',
    method: 'DELETE',
    target: '/organizations/{org}',
    as: 'frozen',
    fast: true,
  },
  {
    name: 'redacted answer (restrictions: read whole, shaped)',
    method: 'GET',
    target: '/organizations',
    as: 'redacted',
  },
  { name: 'redacted answer of one object', method: 'GET', target: '/organizations/{org}', as: 'redacted' },
  { name: 'pinned agent: its organization', method: 'GET', target: '/organizations/{org}', as: 'pinned' },
  {
    name: 'pinned agent: another organization',
    method: 'GET',
    target: '/organizations/org_elsewhere',
    as: 'pinned',
  },
  { name: 'pinned agent: a list', method: 'GET', target: '/organizations', as: 'pinned' },
  { name: 'disabled agent', method: 'GET', target: '/organizations', as: 'disabled', fast: true },
  { name: 'no grant for the area', method: 'GET', target: '/organizations', as: 'users', fast: true },
  {
    name: 'read grant on a delete',
    method: 'DELETE',
    target: '/organizations/{org}',
    as: 'reader',
    fast: true,
  },
  {
    name: 'read grant on a write with a body',
    method: 'POST',
    target: '/organizations',
    as: 'reader',
    headers: { 'content-type': 'application/json' },
    body: '{"name":"x"}',
  },
  { name: 'unknown endpoint', method: 'GET', target: '/no_such_thing', as: 'reader', fast: true },
  { name: 'path that does not classify', method: 'GET', target: '/organizations/../users', as: 'reader' },
  {
    name: 'method override header',
    method: 'GET',
    target: '/organizations',
    as: 'reader',
    headers: { 'x-http-method-override': 'DELETE' },
  },
  {
    name: 'compressed body',
    method: 'POST',
    target: '/organizations',
    as: 'writer',
    headers: { 'content-encoding': 'gzip' },
    body: 'x',
  },
  {
    name: 'rate limited: agent quota used up',
    method: 'GET',
    target: '/organizations',
    as: 'quota',
    fast: true,
  },
  {
    name: 'upstream 500',
    method: 'GET',
    target: '/organizations',
    as: 'reader',
    fault: { path: '/organizations', method: 'GET', count: 1, status: 500 },
    fast: true,
  },
  {
    name: 'upstream drops the connection twice',
    method: 'GET',
    target: '/organizations',
    as: 'reader',
    fault: { path: '/organizations', method: 'GET', count: 2, drop: true },
    fast: true,
  },
  { name: 'anonymous endpoint without a token', method: 'GET', target: '/sso/jwks/{client}', as: 'none' },
  {
    name: 'anonymous endpoint with an agent token',
    method: 'GET',
    target: '/sso/jwks/{client}',
    as: 'reader',
  },
  {
    name: 'client_secret in a form body',
    method: 'POST',
    target: '/sso/token',
    as: 'none',
    bodyToken: 'reader',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'client_id={client}&client_secret={token}&code=nope&grant_type=authorization_code',
  },
  {
    name: 'client_secret in a JSON body',
    method: 'POST',
    target: '/user_management/authenticate',
    as: 'none',
    bodyToken: 'writer',
    headers: { 'content-type': 'application/json' },
    body: '{"client_id":"{client}","client_secret":"{token}","grant_type":"password","email":"nobody@example.com","password":"wrong"}',
  },
];

let fast: Side;
let full: Side;
let org = '';

beforeAll(async () => {
  [fast, full] = await Promise.all([startSide('on'), startSide('off')]);
  await Promise.all(
    [fast, full].map(async (side) => {
      // Every token in the cache, as in steady traffic (the quota agent's one call a minute is spent here).
      for (const name of Object.keys(AGENTS))
        await send(side, { name: 'warm', method: 'GET', target: '/organizations', as: name });
    }),
  );
}, 60_000);

afterAll(async () => {
  await fast?.h.close();
  await full?.h.close();
});

async function send(side: Side, c: Case): Promise<RawResponse> {
  const headers: Record<string, string> = { host: '127.0.0.1', 'user-agent': 'equivalence/1', ...c.headers };
  if (typeof c.as === 'object') headers.authorization = c.as.authorization;
  else if (c.as && c.as !== 'none') headers.authorization = `Bearer ${side.tokens[c.as]}`;
  const fill = (text: string) =>
    text
      .replaceAll('{org}', org)
      .replaceAll('{client}', side.h.emulator.clientId)
      .replaceAll('{token}', c.bodyToken ? (side.tokens[c.bodyToken] ?? '') : '');
  return rawHttp(side.h.port, {
    method: c.method,
    target: fill(c.target),
    headers,
    body: c.body === undefined ? undefined : fill(c.body),
  });
}

async function firstOrganization(h: Harness): Promise<string> {
  const list = await fetch(`${h.emulator.url}/organizations?limit=1`, {
    headers: { authorization: `Bearer ${h.emulator.apiKey}` },
  });
  return String(((await list.json()) as { data: { id: string }[] }).data[0]?.id);
}

/** Fresh emulator state with the same ids on both sides. */
async function resetEmulator(side: Side, fault?: Record<string, unknown>): Promise<string> {
  await side.h.emulator.reset();
  await side.h.clearEmulatorRequests();
  const id = await firstOrganization(side.h);
  if (fault)
    await fetch(`${side.h.emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fault),
    });
  await side.h.clearEmulatorRequests();
  return id;
}

/** The records one call produced: its call record and, for a forwarded call, its outcome. */
async function recordsOf(side: Side, requestId: string, expected: number): Promise<AuditRecord[]> {
  let mine: AuditRecord[] = [];
  await vi.waitFor(
    async () => {
      await side.h.app.audit.flush();
      mine = (await auditRecords(side.h.app)).filter((r) => r.requestId === requestId);
      expect(mine.length).toBeGreaterThanOrEqual(expected);
    },
    { timeout: 5_000, interval: 20 },
  );
  return mine;
}

/** What must be equal: the record without its place in the chain, its ids, times and latencies. */
function comparableRecord(record: AuditRecord) {
  const { seq, prevHash, hash, time, requestId, agentId, latencyMs, upstreamLatencyMs, ...rest } = record;
  return { ...rest, agentId: agentId === null ? null : 'AGENT' };
}

/**
 * Status, headers and body with the per-call and per-side parts masked: request ids, dates, retry seconds,
 * agent ids and freeze times (each side made its own), and the emulator's JWKS modulus (each emulator its own key).
 */
function comparableAnswer(answer: RawResponse, requestId: string) {
  const mask = (text: string) =>
    text
      .replaceAll(requestId, 'REQ')
      .replace(/Retry after \d+ s/g, 'Retry after N s')
      .replace(/"retry_after":\d+/g, '"retry_after":N')
      .replace(/agt_[0-9A-Za-z]+/g, 'AGENT')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME')
      .replace(/"n":"[\w-]+"/g, '"n":"KEY"');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (name === 'date' || name === 'connection' || name === 'keep-alive') continue;
    headers[name] = name === 'retry-after' ? 'N' : mask(value);
  }
  return { status: answer.status, headers, body: mask(answer.text) };
}

describe('the fast path and the full pipeline answer and record every kind of call alike', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const results = [];
    for (const side of [fast, full]) {
      org = await resetEmulator(side, c.fault);
      const before = side.lookups;
      const answer = await send(side, c);
      const requestId = answer.headers['x-bollard-request-id'] ?? '';
      expect(requestId, `${c.name}: every answer names its request`).toMatch(/^req_/);
      const forwarded = (await side.h.emulatorRequests()).length;
      results.push({ answer, requestId, lookups: side.lookups - before, forwarded });
    }
    const [onFast, onFull] = results as [(typeof results)[0], (typeof results)[0]];
    expect(comparableAnswer(onFast.answer, onFast.requestId)).toEqual(
      comparableAnswer(onFull.answer, onFull.requestId),
    );
    expect(onFast.forwarded).toBe(onFull.forwarded);
    if (c.expectHeader) expect(onFast.answer.headers[c.expectHeader], c.expectHeader).toBeDefined();

    // The full side's records tell how many to expect: a forwarded call has its call and outcome records;
    // a denial one; a repeated tokenless failure none of its own (it is counted into an aggregate).
    const expected = onFull.answer.status < 400 || onFull.forwarded > 0 ? 2 : 1;
    const tokenless = c.as === 'none' && !c.bodyToken && !c.target.startsWith('/sso/jwks');
    const fullRecords = await recordsOf(full, onFull.requestId, tokenless ? 0 : expected);
    const fastRecords = await recordsOf(fast, onFast.requestId, fullRecords.length);
    expect(fastRecords.map(comparableRecord)).toEqual(fullRecords.map(comparableRecord));

    if (c.fast) {
      expect(onFast.lookups, 'the fast side answered from memory').toBe(0);
      expect(onFull.lookups, 'the full side read its token through the store path').toBeGreaterThan(0);
    }
  });

  it('both chains verify', async () => {
    for (const side of [fast, full]) {
      const response = await fetch(`${side.h.proxyUrl}/organizations`, {
        headers: { authorization: `Bearer ${side.tokens.reader}` },
      });
      expect(response.status).toBe(200);
      const result = await verifyChain(side.h.app.store);
      expect(result.ok).toBe(true);
    }
  });
});
