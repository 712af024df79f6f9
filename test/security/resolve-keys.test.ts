import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Agent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findByTemplate } from '../../src/catalog/index.js';
import { createKeyResolver, type KeyResolverOptions } from '../../src/gateway/index.js';

/**
 * The look-ups that find a group's directory run on Bollard's key before the call is counted, for ids an
 * agent chooses: they must stay few (cached, bounded, rate-capped) and go nowhere but the one read-only path.
 */
let upstream: Server;
let url: string;
const seen: string[] = [];
const dispatcher = new Agent();
const listByGroup = findByTemplate('GET', '/directory_users')!;
const byGroup = (group: string) => ({ params: {}, query: new URLSearchParams({ group }), body: undefined });

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    const id = decodeURIComponent(req.url!.split('/').pop()!);
    if (id.startsWith('missing')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, directory_id: `directory_of_${id}` }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await dispatcher.close();
  await new Promise((resolve) => upstream.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
});

function resolver(overrides: Partial<KeyResolverOptions> & { clock?: { now: number } } = {}) {
  const clock = overrides.clock ?? { now: 1_000_000 };
  return createKeyResolver({
    upstream: { url, apiKey: 'sk_test_resolver' },
    dispatcher,
    logger: pino({ level: 'silent' }),
    now: () => clock.now,
    ...overrides,
  });
}

describe('rate-limit key lookups', () => {
  it("finds a group's directory with one read-only GET on Bollard's key, then from the cache", async () => {
    const r = resolver();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => r.resolve(listByGroup, byGroup('g1'))),
    );
    for (const answer of answers) expect(answer).toEqual({ 'directory_sync.users': 'directory_of_g1' });
    expect(seen).toEqual(['GET /directory_groups/g1 Bearer sk_test_resolver']);
  });

  it('looks nothing up when the request names its directory', async () => {
    const r = resolver();
    const query = new URLSearchParams({ directory: 'd1', group: 'g1' });
    expect(await r.resolve(listByGroup, { params: {}, query, body: undefined })).toEqual({});
    expect(seen).toEqual([]);
  });

  it('an unknown group resolves nothing, and is asked once until the answer expires', async () => {
    const clock = { now: 1_000_000 };
    const r = resolver({ clock, ttlMs: 60_000 });
    for (let i = 0; i < 3; i++) expect(await r.resolve(listByGroup, byGroup('missing_1'))).toEqual({});
    expect(seen).toHaveLength(1);
    clock.now += 60_001;
    await r.resolve(listByGroup, byGroup('missing_1'));
    expect(seen).toHaveLength(2);
  });

  it('an id that is not a WorkOS id is never sent upstream (no path steering)', async () => {
    const r = resolver();
    for (const group of ['../organizations', 'a/b', 'g1?x=1', '%2e%2e', '', 'x'.repeat(101)])
      expect(await r.resolve(listByGroup, byGroup(group))).toEqual({});
    expect(seen).toEqual([]);
  });

  it('made-up ids: at most maxPerSecond lookups a second, the rest count in the shared bucket', async () => {
    const clock = { now: 1_000_000 };
    const r = resolver({ clock, maxPerSecond: 5 });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => r.resolve(listByGroup, byGroup(`made_up_${i}`))),
    );
    expect(answers.filter((a) => Object.keys(a).length > 0)).toHaveLength(5);
    expect(seen).toHaveLength(5);
    clock.now += 1000;
    await r.resolve(listByGroup, byGroup('made_up_next'));
    expect(seen).toHaveLength(6);
  });

  it('keeps at most maxEntries answers, dropping the oldest first', async () => {
    const r = resolver({ maxEntries: 2 });
    for (const group of ['e1', 'e2', 'e3']) await r.resolve(listByGroup, byGroup(group));
    await r.resolve(listByGroup, byGroup('e3'));
    expect(seen).toHaveLength(3);
    await r.resolve(listByGroup, byGroup('e1'));
    expect(seen).toHaveLength(4);
  });
});
