import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { areaNames, endpoints } from '../src/catalog/index.js';
import { ownerOfSource, type PinPlan, pinPlan } from '../src/catalog/pinning.js';
import type { CatalogEndpoint } from '../src/catalog/types.js';
import { type Harness, startHarness } from './support/harness.js';
import { findResources, ORG_A, ORG_B, PIN_SEED, type Resources } from './support/pin-fixtures.js';

const UA = 'pin-table';
type Side = 'A' | 'B';
const ORG: Record<Side, string> = { A: ORG_A, B: ORG_B };

interface Built {
  method: string;
  path: string;
  query: URLSearchParams;
  body?: Record<string, unknown>;
}

/** A request for the endpoint naming side's organization or resource; other parameters are placeholders. */
function build(
  endpoint: CatalogEndpoint,
  plan: PinPlan,
  side: Side,
  resources: Resources,
  user?: string,
): Built {
  const query = new URLSearchParams();
  let body: Record<string, unknown> | undefined =
    endpoint.method === 'GET' || endpoint.method === 'DELETE' ? undefined : {};
  const path = endpoint.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (plan.kind === 'organization' && plan.source.in === 'path' && plan.source.name === name)
      return ORG[side];
    if (plan.kind === 'lookup' && plan.from[0]!.in === 'path' && plan.from[0]!.name === name)
      return user ?? resources[side][plan.owner]!;
    return `x_${name.replace(/[^a-z0-9]/gi, '')}`;
  });
  if (plan.kind === 'organization' && plan.source.in === 'query') query.set(plan.source.name, ORG[side]);
  if (plan.kind === 'organization' && plan.source.in === 'body')
    body = { ...body, [plan.source.name]: ORG[side] };
  if (plan.kind === 'list' && plan.filter) query.set(plan.filter.name, ORG[side]);
  if (plan.kind === 'lookup' && plan.from[0]!.in === 'query') {
    const kind = ownerOfSource(plan, plan.from[0]!);
    query.set(plan.from[0]!.name, resources[side][kind]!);
  }
  return { method: endpoint.method, path, query, body };
}

describe('organization pins over every catalog endpoint', () => {
  let h: Harness;
  let token: string;
  let resources: Resources;

  beforeAll(async () => {
    // Hundreds of lookups in a few seconds: the per-second cap on lookups is raised here (tested on its own).
    h = await startHarness({
      config: { rateLimits: 'off' },
      emulator: { seed: PIN_SEED },
      app: { ownerLookups: { maxPerSecond: 100_000 } },
    });
    resources = await findResources(h);
    const grants = areaNames.map((area) => `${area}:write`);
    token = (
      await h.app.agents.create(
        { name: 'pinned', grants, organizations: [ORG_A] },
        { kind: 'admin', name: 'test' },
      )
    ).token;
  }, 60_000);
  afterAll(() => h?.close());

  async function send(built: Built) {
    await h.clearEmulatorRequests();
    const search = built.query.toString();
    const response = await fetch(`${h.proxyUrl}${built.path}${search ? `?${search}` : ''}`, {
      method: built.method,
      headers: {
        authorization: `Bearer ${token}`,
        'user-agent': UA,
        ...(built.body ? { 'content-type': 'application/json' } : {}),
      },
      body: built.body ? JSON.stringify(built.body) : undefined,
    });
    const text = await response.text();
    const seen = (await h.emulatorRequests()).filter((entry) => entry.headers['user-agent'] === UA);
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { code?: string }).code;
    } catch {}
    return { status: response.status, code, reached: seen.length > 0, text };
  }

  async function expectForwarded(built: Built) {
    const result = await send(built);
    expect(result.code, `${built.method} ${built.path}: ${result.text.slice(0, 300)}`).not.toBe(
      'organization_not_allowed',
    );
    expect(result.reached, `${built.method} ${built.path} reached the emulator`).toBe(true);
  }

  async function expectDenied(built: Built, reason?: RegExp) {
    const result = await send(built);
    expect(result.status, `${built.method} ${built.path}: ${result.text.slice(0, 300)}`).toBe(403);
    expect(result.code).toBe('organization_not_allowed');
    expect(result.reached, `${built.method} ${built.path} must not reach the emulator`).toBe(false);
    if (reason) expect(result.text).toMatch(reason);
    return result;
  }

  const counts: Record<string, number> = {};
  const keyed = endpoints.filter((endpoint) => !endpoint.anonymous);

  // A forwarded write may delete what later cases name: each write case starts from the seed again.
  let dirty = false;
  beforeEach(async () => {
    if (!dirty) return;
    await fetch(`${h.emulator.url}/_emulator/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seed: PIN_SEED }),
    });
    resources = await findResources(h);
    dirty = false;
  });

  it.each(keyed.map((endpoint) => [endpoint.id, endpoint] as const))('%s', async (_id, endpoint) => {
    const plan = pinPlan(endpoint);
    dirty = endpoint.access === 'write';
    counts[plan.kind] = (counts[plan.kind] ?? 0) + 1;
    switch (plan.kind) {
      case 'create_organization':
        await expectDenied(build(endpoint, plan, 'A', resources), /may not create organizations/);
        return;
      case 'environment':
        await expectDenied(build(endpoint, plan, 'A', resources), /environment-wide/);
        return;
      case 'organization':
      case 'list':
        await expectForwarded(build(endpoint, plan, 'A', resources));
        if (plan.kind === 'list' && !plan.filter) return; // items are filtered instead (pinning-lists.test.ts)
        await expectDenied(build(endpoint, plan, 'B', resources), new RegExp(`${ORG_B}`));
        return;
      case 'lookup': {
        await expectForwarded(build(endpoint, plan, 'A', resources));
        await expectDenied(build(endpoint, plan, 'B', resources), new RegExp(ORG_B));
        if (plan.owner === 'user') {
          // A user in both organizations: readable through a pin on either, writable only with both pinned.
          const both = build(endpoint, plan, 'A', resources, resources.both);
          if (endpoint.access === 'read') await expectForwarded(both);
          else await expectDenied(both, /a write needs every one of its organizations pinned/);
        }
        // Nothing Bollard can establish the owner of: denied, and only the lookup reached WorkOS.
        const unknown = build(endpoint, plan, 'A', { A: {}, B: {}, both: '' }, undefined);
        const unresolved = {
          ...unknown,
          path: unknown.path.replace('undefined', 'unknown_01NOSUCH'),
          query: new URLSearchParams(
            [...unknown.query].map(([name, value]): [string, string] => [
              name,
              value === 'undefined' ? 'unknown_01NOSUCH' : value,
            ]),
          ),
        };
        // (A user WorkOS does not know has no memberships: it belongs to no organization.)
        await expectDenied(
          unresolved,
          /owner of unknown_01NOSUCH is unknown|unknown_01NOSUCH belongs to no organization/,
        );
        return;
      }
      case 'anonymous':
        throw new Error('anonymous endpoints are not pinned');
    }
  });

  it('covered every keyed endpoint, by plan', () => {
    console.log('pin plans exercised:', JSON.stringify(counts));
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(keyed.length);
  });
});
