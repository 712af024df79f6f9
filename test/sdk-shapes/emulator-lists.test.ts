import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', rateLimits: false });
});

afterAll(async () => {
  await emu?.close();
});

async function list(
  path: string,
): Promise<{ data: { name?: string; event?: string }[] } & Record<string, unknown>> {
  const response = await fetch(`${emu.url}${path}`, { headers: { authorization: `Bearer ${emu.apiKey}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

const names = async (query: string) =>
  (await list(`/organizations?${query}`)).data.map((org) => org.name).sort();

describe('array filters in every encoding the official SDKs send', () => {
  it.each([
    ["the spec's comma list (Node)", 'domains=acme.test%2Cglobex.test'],
    ['repeated keys (Python 4.x, Ruby)', 'domains=acme.test&domains=globex.test'],
    ['a[]= (Go)', 'domains%5B%5D=acme.test&domains%5B%5D=globex.test'],
    ['a[0]= (PHP)', 'domains%5B0%5D=acme.test&domains%5B1%5D=globex.test'],
    ['mixed', 'domains=acme.test&domains[]=globex.test'],
  ])('%s', async (_name, query) => {
    expect(await names(query)).toEqual(['Acme Corp', 'Globex']);
  });

  it('filters, in each encoding, when one value is given', async () => {
    for (const query of ['domains=acme.test', 'domains[]=acme.test', 'domains[0]=acme.test'])
      expect(await names(query)).toEqual(['Acme Corp']);
    expect(await names('domains[]=nobody.test')).toEqual([]);
    expect(await names('domains[x]=acme.test')).toEqual(['Acme Corp', 'Globex']); // not an index: not the filter
  });

  it('reads the events filter of GET /events the same way', async () => {
    const headers = { authorization: `Bearer ${emu.apiKey}`, 'content-type': 'application/json' };
    await fetch(`${emu.url}/organizations`, { method: 'POST', headers, body: '{"name":"Eventful"}' });
    await fetch(`${emu.url}/user_management/users`, {
      method: 'POST',
      headers,
      body: '{"email":"e@example.com"}',
    });
    await fetch(`${emu.url}/organizations`, { method: 'POST', headers, body: '{"name":"Eventful 2"}' });
    const comma = await list('/events?events=organization.created%2Cuser.created&limit=100');
    const repeated = await list('/events?events[]=organization.created&events[]=user.created&limit=100');
    expect(repeated.data).toEqual(comma.data);
    expect(new Set(comma.data.map((e) => e.event))).toEqual(
      new Set(['organization.created', 'user.created']),
    );
  });
});

describe('list envelopes follow the spec', () => {
  it('carry list_metadata and no camelCase listMetadata (the spec has none; older Ruby SDKs read it)', async () => {
    for (const path of ['/organizations', '/connections', '/directories', '/user_management/users']) {
      const body = await list(path);
      expect(body, path).toHaveProperty('list_metadata');
      expect(body, path).not.toHaveProperty('listMetadata');
    }
  });
});
