// Microbenchmark: what an organization pin adds to one call's decision, with the owner already cached.
// The real owner resolver (its first lookup goes to the emulator), the real catalog and decision code.
// Reports figures; never passes or fails on time. Run: node --import tsx bench/pinning.ts
import pino from 'pino';
import { Agent } from 'undici';
import { endpoints } from '../src/catalog/index.js';
import { startEmulator } from '../src/emulator/index.js';
import { createOwnerResolver } from '../src/gateway/owner-resolver.js';
import { decideScope } from '../src/gateway/scope.js';

const CALLS = 200_000;
const ROUNDS = 7;
const ORG = 'org_01BENCH';

const emulator = await startEmulator({
  port: 0,
  seed: {
    organizations: [{ id: ORG, name: 'Bench' }],
    users: [{ email: 'bench@bench.test', memberships: [{ organization: ORG }] }],
  },
  rateLimits: false,
});
const dispatcher = new Agent();
const owners = createOwnerResolver({
  upstream: { url: emulator.url, apiKey: emulator.apiKey },
  dispatcher,
  logger: pino({ level: 'silent' }),
  now: Date.now,
});
const users = (await (
  await fetch(`${emulator.url}/user_management/users`, {
    headers: { authorization: `Bearer ${emulator.apiKey}` },
  })
).json()) as { data: { id: string }[] };
const userId = users.data[0]!.id;
await owners.owners('user', userId); // the one lookup: cached from here on

const byId = (id: string) => endpoints.find((endpoint) => endpoint.id === id)!;
const usersGet = byId('users.get');
const orgGet = byId('organizations.get');
const pinned = { name: 'bench', restrictions: { organizations: [ORG] } };
const unrestricted = { name: 'bench', restrictions: null };
const lookupRequest = { params: { id: userId }, query: new URLSearchParams(), body: undefined };
const pathRequest = { params: { id: ORG }, query: new URLSearchParams(), body: undefined };

function cpuPerCall(run: () => void): number {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.cpuUsage();
    for (let i = 0; i < CALLS; i++) run();
    const used = process.cpuUsage(started);
    rounds.push(((used.user + used.system) * 1000) / CALLS);
  }
  return rounds.sort((a, b) => a - b)[0]!;
}

let denied = 0;
const check = (decision: ReturnType<typeof decideScope>) => {
  if (decision instanceof Promise) throw new Error('the owner should be cached');
  if (!decision.ok) denied++;
};
const base = cpuPerCall(() => check(decideScope(owners, unrestricted, usersGet, lookupRequest)));
const lookup = cpuPerCall(() => check(decideScope(owners, pinned, usersGet, lookupRequest)));
const path = cpuPerCall(() => check(decideScope(owners, pinned, orgGet, pathRequest)));
if (denied > 0) throw new Error(`${denied} calls were denied`);
const stats = owners.stats();
console.log(
  `organization pin, owner cached: users.get (lookup) ${lookup.toFixed(0)} ns of CPU per decision, ` +
    `organizations.get (path id) ${path.toFixed(0)} ns, an unrestricted agent ${base.toFixed(0)} ns ` +
    `(fastest of ${ROUNDS} rounds of ${CALLS.toLocaleString()}); cache hits ${stats.hits.toLocaleString()}, ` +
    `misses ${stats.misses}; goal ≤ 20,000 ns; node ${process.version}`,
);
await dispatcher.close();
await emulator.close();
