import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { areaNames, endpoints } from '../src/catalog/index.js';
import type { CatalogEndpoint } from '../src/catalog/types.js';
import { generateAgentToken } from '../src/credentials/agent-token.js';
import { ERRORS } from '../src/errors/index.js';
import { type Harness, startHarness } from './support/harness.js';

type Case = 'none' | 'malformed' | 'unknown' | 'revoked' | 'expired' | 'disabled' | 'read-only' | 'write';
const CASES: Case[] = [
  'none',
  'malformed',
  'unknown',
  'revoked',
  'expired',
  'disabled',
  'read-only',
  'write',
];
const BOLLARD_CODES = new Set(Object.keys(ERRORS));

function concretePath(endpoint: CatalogEndpoint): string {
  return endpoint.path.replace(
    /\{([^}]+)\}/g,
    (_, name: string) => `test_${name.replace(/[^a-z0-9]/gi, '')}1`,
  );
}

/** What Bollard must answer: a Bollard error code, or 'forwarded' when the call must reach WorkOS. */
function expected(endpoint: CatalogEndpoint, testCase: Case): string {
  if (testCase === 'write') return 'forwarded';
  if (testCase === 'read-only') return endpoint.access === 'read' ? 'forwarded' : 'permission_denied';
  return 'unauthorized';
}

describe('security matrix: every cataloged endpoint × every kind of credential', () => {
  let h: Harness;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    h = await startHarness();
    const actor = { kind: 'admin' as const, name: 'test' };
    for (const area of areaNames) {
      tokens.set(`read:${area}`, await h.agent(`read-${area.replace(/_/g, '-')}`, [`${area}:read`]));
      tokens.set(`write:${area}`, await h.agent(`write-${area.replace(/_/g, '-')}`, [`${area}:write`]));
    }
    const all = areaNames.map((area) => `${area}:write`);
    tokens.set('revoked', await h.agent('revoked-agent', all));
    await h.app.agents.revoke('revoked-agent', actor);
    tokens.set('disabled', await h.agent('disabled-agent', all));
    await h.app.agents.update('disabled-agent', { enabled: false }, actor);
    tokens.set('expired', await h.agent('expired-agent', all));
    const expiring = (await h.app.store.getAgentByName('expired-agent'))!;
    await h.app.store.apply(
      [{ op: 'putAgent', agent: { ...expiring, expiresAt: new Date(Date.now() - 1000).toISOString() } }],
      [],
      () => '',
    );
  }, 120_000);
  afterAll(() => h?.close());

  function tokenFor(endpoint: CatalogEndpoint, testCase: Case): string | null {
    switch (testCase) {
      case 'none':
        return null;
      case 'malformed':
        return 'sk_test_not_a_bollard_token';
      case 'unknown':
        return generateAgentToken();
      case 'read-only':
        return tokens.get(`read:${endpoint.area}`)!;
      case 'write':
        return tokens.get(`write:${endpoint.area}`)!;
      default:
        return tokens.get(testCase)!;
    }
  }

  async function call(endpoint: CatalogEndpoint, token: string | null) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const hasBody = endpoint.method !== 'GET' && endpoint.method !== 'DELETE';
    const response = await fetch(`${h.proxyUrl}${concretePath(endpoint)}`, {
      method: endpoint.method,
      headers,
      body: hasBody ? '{}' : undefined,
      redirect: 'manual',
    });
    const text = await response.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { code?: string }).code;
    } catch {
      code = undefined;
    }
    const bollardError = code !== undefined && BOLLARD_CODES.has(code) && response.status >= 400;
    return { status: response.status, outcome: bollardError ? code! : 'forwarded' };
  }

  const keyed = endpoints.filter((endpoint) => !endpoint.anonymous);

  it('denies every call it must deny, and none of them reaches WorkOS', async () => {
    await h.clearEmulatorRequests();
    const wrong: string[] = [];
    for (const endpoint of keyed) {
      for (const testCase of CASES) {
        const want = expected(endpoint, testCase);
        if (want === 'forwarded') continue;
        const got = await call(endpoint, tokenFor(endpoint, testCase));
        const status = ERRORS[want as keyof typeof ERRORS].status;
        if (got.outcome !== want || got.status !== status) {
          wrong.push(
            `${endpoint.method} ${endpoint.path} [${testCase}]: ${got.status} ${got.outcome}, want ${status} ${want}`,
          );
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(await h.emulatorRequests()).toEqual([]);
  }, 120_000);

  it('forwards every call it must allow', async () => {
    const wrong: string[] = [];
    for (const endpoint of keyed) {
      for (const testCase of ['read-only', 'write'] as const) {
        if (expected(endpoint, testCase) !== 'forwarded') continue;
        await h.clearEmulatorRequests();
        const got = await call(endpoint, tokenFor(endpoint, testCase));
        const received = await h.emulatorRequests();
        if (got.outcome !== 'forwarded' || received.length !== 1) {
          wrong.push(
            `${endpoint.method} ${endpoint.path} [${testCase}]: ${got.status} ${got.outcome}, upstream saw ${received.length}`,
          );
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('lets keyless endpoints (JWKS, browser redirects) through without a token, and never sends a Bollard token on', async () => {
    const anonymous = endpoints.filter((endpoint) => endpoint.anonymous);
    expect(anonymous.length).toBeGreaterThan(0);
    for (const endpoint of anonymous) {
      await h.clearEmulatorRequests();
      const got = await call(endpoint, tokens.get('write:users')!);
      expect(got.outcome, `${endpoint.method} ${endpoint.path}`).toBe('forwarded');
      for (const entry of await h.emulatorRequests()) {
        expect(JSON.stringify(entry)).not.toContain(tokens.get('write:users')!);
      }
    }
  });
});
