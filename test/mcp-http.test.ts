import { type IncomingHttpHeaders, request } from 'node:http';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { endpoints } from '../src/catalog/index.js';
import type { CatalogEndpoint } from '../src/catalog/types.js';
import { type Harness, startHarness } from './support/harness.js';
import { connectMcp, structured } from './support/mcp-client.js';

const actor = { kind: 'admin' as const, name: 'test' };

/** What the grants allow, worked out from the catalog alone (not from the MCP code under test). */
function expectedToolNames(grants: Record<string, 'read' | 'write'>): string[] {
  return endpoints
    .filter((e) => !e.anonymous)
    .filter((e) => grants[e.area] === 'write' || (grants[e.area] === 'read' && e.access === 'read'))
    .map((e) => e.id.replaceAll('.', '_'))
    .sort();
}

/** Path parameters filled with an id WorkOS does not have: the call still goes out, and gets a 404. */
function argumentsFor(endpoint: CatalogEndpoint): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [, name] of endpoint.path.matchAll(/\{([^}]+)\}/g)) args[name as string] = 'does_not_exist_01';
  if (endpoint.method !== 'GET' && endpoint.method !== 'DELETE') args.body = {};
  return args;
}

/** One step short of the permission: read where write is needed, else another area. */
function lacking(permission: string): string {
  const [area, access] = permission.split(':');
  return access === 'write' ? `${area}:read` : area === 'users' ? 'organizations:write' : 'users:write';
}

describe('MCP over Streamable HTTP against real Bollard and the emulator', () => {
  let h: Harness;
  const clients: Client[] = [];
  const connect = async (token: string) => {
    const client = await connectMcp(h.proxyUrl, token);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await h?.close();
  });

  it('lists exactly the tools the grants allow: a read-only and a write agent differ by the writes', async () => {
    const readGrants = { organizations: 'read', users: 'read' } as const;
    const writeGrants = { organizations: 'write', users: 'write' } as const;
    const reader = await connect(await h.agent('mcp-reader', ['organizations:read', 'users:read']));
    const writer = await connect(await h.agent('mcp-writer', ['organizations:write', 'users:write']));
    const readNames = (await reader.listTools()).tools
      .map((t) => t.name)
      .filter((n) => n !== 'bollard_whoami');
    const writeNames = (await writer.listTools()).tools
      .map((t) => t.name)
      .filter((n) => n !== 'bollard_whoami');
    expect(readNames.sort()).toEqual(expectedToolNames(readGrants));
    expect(writeNames.sort()).toEqual(expectedToolNames(writeGrants));
    expect(writeNames).toContain('organizations_delete');
    expect(readNames).not.toContain('organizations_delete');
    expect(readNames.length).toBeGreaterThan(0);
    expect(writeNames.length).toBeGreaterThan(readNames.length);
  });

  it('gives an agent with every grant the compact set (auto past 40 tools), and it can still call anything', async () => {
    const everything = [...new Set(endpoints.map((e) => `${e.area}:write`))];
    const client = await connect(await h.agent('mcp-everything', everything));
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['bollard_whoami', 'workos_call', 'workos_describe', 'workos_search']);
    const search = structured(
      await client.callTool({ name: 'workos_search', arguments: { query: 'delete organization' } }),
    );
    const hits = search.endpoints as { id: string; allowed: boolean }[];
    expect(hits.map((hit) => hit.id)).toContain('organizations.delete');
    expect(hits.every((hit) => hit.allowed)).toBe(true);
    const listed = await client.callTool({
      name: 'workos_call',
      arguments: { endpoint: 'organizations.list', params: { limit: 1 } },
    });
    expect(listed.isError).toBeFalsy();
    expect((structured(listed).data as unknown[]).length).toBe(1);
  });

  it('workos_search tells a read-only agent which endpoints it may not call', async () => {
    const everythingRead = [...new Set(endpoints.map((e) => `${e.area}:read`))];
    const client = await connect(await h.agent('mcp-all-read', everythingRead));
    const found = structured(
      await client.callTool({ name: 'workos_search', arguments: { area: 'organizations' } }),
    ).endpoints as { id: string; allowed: boolean }[];
    expect(found.find((hit) => hit.id === 'organizations.delete')?.allowed).toBe(false);
    expect(found.find((hit) => hit.id === 'organizations.list')?.allowed).toBe(true);
    const described = structured(
      await client.callTool({ name: 'workos_describe', arguments: { endpoint: 'organizations_delete' } }),
    );
    expect(described).toMatchObject({ permission: 'organizations:write', allowed: false, destructive: true });
  });

  const seedEndpoints = endpoints.filter((e) => e.seedRow !== undefined);
  it('the catalog marks the 36 seed rows', () => {
    expect(seedEndpoints).toHaveLength(36);
  });

  // GET /sso/authorize (row 20) is a keyless browser redirect: WorkOS serves it without the key, so it is no
  // tool (there is nothing for Bollard to lend); the HTTP tests cover it.
  for (const endpoint of seedEndpoints.filter((e) => !e.anonymous)) {
    it(`seed row ${endpoint.seedRow}: ${endpoint.id} is a tool callable with ${endpoint.permission} and denied without it`, async () => {
      const name = endpoint.id.replaceAll('.', '_');
      const allowed = await connect(await h.agent(`mcp-ok-${endpoint.seedRow}`, [endpoint.permission]));
      const denied = await connect(
        await h.agent(`mcp-no-${endpoint.seedRow}`, [lacking(endpoint.permission)]),
      );
      expect((await allowed.listTools()).tools.map((t) => t.name)).toContain(name);
      expect((await denied.listTools()).tools.map((t) => t.name)).not.toContain(name);

      await h.clearEmulatorRequests();
      const refusal = await denied.callTool({ name, arguments: argumentsFor(endpoint) });
      expect(refusal.isError).toBe(true);
      expect(structured(refusal)).toMatchObject({
        status: 403,
        code: 'permission_denied',
        required_permission: endpoint.permission,
      });
      expect(JSON.stringify(refusal.content)).toContain(`--add-grant ${endpoint.permission}`);
      expect(await h.emulatorRequests()).toEqual([]);

      const result = await allowed.callTool({ name, arguments: argumentsFor(endpoint) });
      expect(JSON.stringify(result.content)).not.toContain('Bollard refused');
      const received = await h.emulatorRequests();
      expect(received.map((r) => r.method)).toContain(endpoint.method);
      expect(JSON.stringify(received)).not.toContain('bol_');
    });
  }

  it('records a denied tool call like the HTTP call, with via mcp and the tool name, and forwards nothing', async () => {
    const client = await connect(await h.agent('mcp-guesser', ['organizations:read']));
    await h.clearEmulatorRequests();
    // Not listed for this agent: guessing the name still goes through the pipeline.
    const result = await client.callTool({ name: 'organizations_delete', arguments: { id: 'org_guess' } });
    expect(result.isError).toBe(true);
    expect(await h.emulatorRequests()).toEqual([]);
    const records = [];
    for await (const record of h.app.store.scanAudit()) records.push(record);
    const denial = records.find((r) => r.agentName === 'mcp-guesser' && r.decision === 'deny');
    expect(denial).toMatchObject({
      kind: 'call',
      endpointId: 'organizations.delete',
      reason: 'missing_permission',
      status: 403,
      method: 'DELETE',
      path: '/organizations/org_guess',
      details: { via: 'mcp', tool: 'organizations_delete' },
    });
  });

  it('records an allowed tool call ahead (marked via mcp, with the tool) and its outcome', async () => {
    const client = await connect(await h.agent('mcp-lister', ['organizations:read']));
    await client.callTool({ name: 'organizations_list', arguments: { limit: 1 } });
    // The outcome rides with the next group commit: wait for it rather than for a fixed time.
    await vi.waitFor(
      async () => {
        const records = [];
        for await (const record of h.app.store.scanAudit()) records.push(record);
        // Outcome records are slim (no agent name): they are linked to their call by the request id.
        const call = records.find((r) => r.agentName === 'mcp-lister' && r.kind === 'call');
        expect(call?.details).toMatchObject({ via: 'mcp', tool: 'organizations_list' });
        const mine = records.filter((r) => r.requestId === call?.requestId);
        expect(mine.map((r) => r.kind).sort()).toEqual(['call', 'outcome']);
        expect(mine.find((r) => r.kind === 'outcome')).toMatchObject({ status: 200 });
      },
      { timeout: 10_000, interval: 50 },
    );
  });

  it('pages through a list with list_metadata.after', async () => {
    const client = await connect(await h.agent('mcp-pager', ['organizations:read']));
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = structured(
        await client.callTool({
          name: 'organizations_list',
          arguments: after ? { limit: 1, after } : { limit: 1 },
        }),
      );
      const data = result.data as { id: string }[];
      seen.push(...data.map((o) => o.id));
      after = (result.list_metadata as { after?: string | null }).after ?? undefined;
      if (!after) break;
    }
    const all = structured(await client.callTool({ name: 'organizations_list', arguments: { limit: 100 } }));
    expect(seen.length).toBeGreaterThan(1);
    expect(seen).toEqual((all.data as { id: string }[]).map((o) => o.id));
  });

  it('shows a grant change on the next request and refuses a revoked token at once', async () => {
    const token = await h.agent('mcp-changing', ['organizations:read']);
    const client = await connect(token);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('users_list');
    await h.app.agents.update('mcp-changing', { grants: ['organizations:read', 'users:read'] }, actor);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('users_list');
    await h.app.agents.revoke('mcp-changing', actor);
    await expect(client.listTools()).rejects.toThrow(/401|nauthorized/);
  });

  it("lists tools by each agent's own mcp.tools: same grants, full vs compact; a change applies on the next request", async () => {
    const grants = ['organizations:read', 'users:read'];
    const full = await connect(
      (await h.app.agents.create({ name: 'mcp-own-full', grants, mcpTools: 'full' }, actor)).token,
    );
    const compact = await connect(
      (await h.app.agents.create({ name: 'mcp-own-compact', grants, mcpTools: 'compact' }, actor)).token,
    );
    const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort();
    const compactSet = ['bollard_whoami', 'workos_call', 'workos_describe', 'workos_search'];
    const fullSet = [...expectedToolNames({ organizations: 'read', users: 'read' }), 'bollard_whoami'].sort();
    // Alternate, so neither list can come from the other agent's cached grant set.
    expect(await names(full)).toEqual(fullSet);
    expect(await names(compact)).toEqual(compactSet);
    expect(await names(full)).toEqual(fullSet);
    expect(structured(await compact.callTool({ name: 'bollard_whoami', arguments: {} })).tool_mode).toBe(
      'compact',
    );

    await h.app.agents.update('mcp-own-full', { mcpTools: 'compact' }, actor);
    expect(await names(full)).toEqual(compactSet);
    // Back to the server default (auto): these few grants are under the threshold, so the full list.
    await h.app.agents.update('mcp-own-compact', { mcpTools: null }, actor);
    expect(await names(compact)).toEqual(fullSet);
    expect((await h.app.agents.get('mcp-own-compact')).mcpTools).toBeNull();
  });

  it('bollard_whoami names the agent, its grants and expiry', async () => {
    const client = await connect(await h.agent('mcp-me', ['organizations:read', 'users:write']));
    const me = structured(await client.callTool({ name: 'bollard_whoami', arguments: {} }));
    expect(me).toMatchObject({
      agent: 'mcp-me',
      grants: ['organizations:read', 'users:read', 'users:write'],
      agent_expires_at: null,
      tool_mode: 'full',
    });
    expect(me.rate_limits).toMatchObject({ limiter: { backend: 'memory', degraded: false } });
  });

  it('serves the catalog as resources and tells the model what Bollard is', async () => {
    const client = await connect(await h.agent('mcp-reader-2', ['organizations:read']));
    expect(client.getInstructions()).toMatch(/Bollard.*may be refused/s);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['bollard://catalog/{endpoint-id}']);
    const read = await client.readResource({ uri: 'bollard://catalog/organizations.delete' });
    const entry = JSON.parse(String((read.contents[0] as { text: string }).text));
    expect(entry).toMatchObject({
      id: 'organizations.delete',
      permission: 'organizations:write',
      allowed: false,
    });
  });
});

describe('the /mcp door', () => {
  let h: Harness;
  let token: string;
  const initialize = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
  });
  /** node:http, not fetch: fetch would normalize the path and refuses to set Host. */
  const post = (path: string, headers: Record<string, string>, body = initialize) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; json(): Promise<unknown> }>(
      (resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: h.port,
            path,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              ...headers,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                json: async () => JSON.parse(text),
              });
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );

  beforeAll(async () => {
    h = await startHarness({ config: { mcpAllowedHosts: 'bollard.internal', bodyLimitBytes: 4096 } });
    token = await h.agent('door', ['organizations:read']);
  });
  afterAll(() => h?.close());

  it('answers 401 with WWW-Authenticate: Bearer and a WorkOS-shaped body without a valid token', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer bol_nope' },
      { authorization: `Basic ${token}` },
    ] as Record<string, string>[]) {
      const response = await post('/mcp', headers);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(await response.json()).toMatchObject({ code: 'unauthorized' });
    }
  });

  it('records refusals at the door: anonymous ones aggregated per source, a revoked token under its agent', async () => {
    const revoked = await h.agent('door-revoked', ['organizations:read']);
    await h.app.agents.revoke('door-revoked', { kind: 'admin', name: 'test' });
    const refusedByAgent = await post('/mcp', { authorization: `Bearer ${revoked}` });
    expect(refusedByAgent.status).toBe(401);
    const requestId = refusedByAgent.headers['x-bollard-request-id'];
    const foreign = await post('/mcp', { authorization: `Bearer ${token}`, host: 'evil.example.com' });
    expect(foreign.status).toBe(403);
    await vi.waitFor(
      async () => {
        const records = await h.app.store.queryAudit({ kind: 'call', decision: 'deny' });
        const atDoor = records.filter((record) => record.path === '/mcp');
        const mine = atDoor.find((record) => record.requestId === requestId);
        expect(mine).toMatchObject({ agentName: 'door-revoked', reason: 'revoked_token', status: 401 });
        expect(mine?.details).toMatchObject({ via: 'mcp' });
        // The three anonymous 401s of the test before: at least the first recorded in full, none lost.
        const firsts = new Set(atDoor.map((record) => record.requestId));
        const anonymous = records.filter(
          (record) =>
            record.agentId === null &&
            record.status === 401 &&
            (record.path === '/mcp' ||
              firsts.has(String((record.details as { firstRequestId?: string })?.firstRequestId))),
        );
        const counted = anonymous.reduce(
          (sum, record) =>
            sum + Number((record.details as { aggregate?: { count?: number } })?.aggregate?.count ?? 1),
          0,
        );
        expect(counted).toBeGreaterThanOrEqual(3);
        expect(atDoor.some((record) => record.status === 403 && record.rule === 'mcp:host')).toBe(true);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('initializes with a valid token, in JSON', async () => {
    const response = await post('/mcp', { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(
      ((await response.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name,
    ).toBe('bollard');
  });

  it('refuses a foreign Host or Origin (DNS rebinding) and accepts loopback and configured names', async () => {
    const auth = { authorization: `Bearer ${token}` };
    expect((await post('/mcp', { ...auth, host: 'evil.example.com' })).status).toBe(403);
    expect((await post('/mcp', { ...auth, origin: 'http://evil.example.com' })).status).toBe(403);
    expect((await post('/mcp', { ...auth, origin: 'null' })).status).toBe(403);
    expect((await post('/mcp', { ...auth, host: `localhost:${h.port}` })).status).toBe(200);
    expect(
      (await post('/mcp', { ...auth, host: 'bollard.internal:7600', origin: 'https://bollard.internal' }))
        .status,
    ).toBe(200);
  });

  it('bounds the JSON-RPC body before parsing it', async () => {
    const response = await post(
      '/mcp',
      { authorization: `Bearer ${token}` },
      JSON.stringify({ pad: 'x'.repeat(8000) }),
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('serves MCP on the exact path only: other spellings are WorkOS paths, denied as unknown', async () => {
    for (const path of ['/mcp/', '/MCP', '/%6dcp', '/mcp/../mcp', '//mcp']) {
      const response = await post(path, { authorization: `Bearer ${token}` });
      expect(response.status, path).not.toBe(200);
      expect([400, 403]).toContain(response.status);
    }
  });

  it('answers GET with 405: no session stream in stateless mode', async () => {
    const response = await fetch(`${h.proxyUrl}/mcp`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    expect(response.status).toBe(405);
  });
});
