/**
 * Per-call cost of the checks before the audit, in µs: the token check (well-formedness, hash, credential
 * cache) with 10,000 agents in a real SQLite store — warm (cached) and cold (one indexed lookup) — and
 * `authorize()` on a granted and a denied call. Reports, never judges.
 * Run: node --import tsx bench/auth.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentService } from '../src/agents/index.js';
import { sealRecord } from '../src/audit/index.js';
import { endpoints } from '../src/catalog/index.js';
import { authenticate } from '../src/gateway/authenticate.js';
import { CredentialCache } from '../src/gateway/index.js';
import { authorize, NO_CONTROLS } from '../src/policy/index.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';

const AGENTS = 10_000;
const CALLS = 200_000;

const dir = mkdtempSync(join(tmpdir(), 'bollard-bench-auth-'));
const store = createSqliteStore({ path: dir, synchronous: 'NORMAL' });
await store.migrate();
const agents = createAgentService(store, { seal: sealRecord, now: () => new Date() });
const actor = { kind: 'admin' as const, name: 'bench' };
const tokens: string[] = [];
const creating = performance.now();
for (let i = 0; i < AGENTS; i++)
  tokens.push((await agents.create({ name: `agent-${i}`, grants: ['organizations:read'] }, actor)).token);
console.log(
  `setup: ${AGENTS.toLocaleString()} agents created in ${Math.round(performance.now() - creating)} ms`,
);

async function usPerCall(calls: number, work: (i: number) => Promise<unknown> | unknown): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) await work(i);
  return ((performance.now() - started) * 1000) / calls;
}

const headersOf = tokens.map((token) => ({ authorization: `Bearer ${token}` }));
const now = Date.now();
const cold = await usPerCall(AGENTS, (i) =>
  authenticate(headersOf[i] ?? {}, new CredentialCache(store), now),
);
const cache = new CredentialCache(store);
await usPerCall(AGENTS, (i) => authenticate(headersOf[i] ?? {}, cache, now)); // fills the cache
const warm = await usPerCall(CALLS, (i) => authenticate(headersOf[i % AGENTS] ?? {}, cache, now));
console.log(
  `token check, ${AGENTS.toLocaleString()} agents: ${warm.toFixed(2)} µs cached, ${cold.toFixed(1)} µs with a store lookup`,
);

const sample = await authenticate(headersOf[0] ?? {}, cache, now);
if (!sample.ok) throw new Error('the benchmark token must authenticate');
const agent = sample.credential.agent;
const read = endpoints.find((e) => e.id === 'organizations.list');
const write = endpoints.find((e) => e.id === 'organizations.create');
if (!read || !write) throw new Error('organizations.list / organizations.create missing from the catalog');
const granted = await usPerCall(CALLS, () => authorize(agent, read, now, NO_CONTROLS));
const denied = await usPerCall(CALLS, () => authorize(agent, write, now, NO_CONTROLS));
console.log(
  `authorize(): ${(granted * 1000).toFixed(0)} ns granted, ${(denied * 1000).toFixed(0)} ns denied (await included)`,
);

await store.close();
rmSync(dir, { recursive: true, force: true });
