import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';
import { structured } from './support/mcp-client.js';

const repo = path.resolve(import.meta.dirname, '..');

describe('bollard mcp: the stdio bridge, spawned by the SDK’s StdioClientTransport', () => {
  let h: Harness;
  let client: Client;

  beforeAll(async () => {
    h = await startHarness();
    const token = await h.agent('stdio-agent', ['organizations:read']);
    client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(repo, 'bin/bollard.js'), 'mcp'],
        cwd: repo,
        env: { PATH: process.env.PATH ?? '', BOLLARD_AGENT_TOKEN: token, BOLLARD_URL: h.proxyUrl },
        stderr: 'pipe',
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await h?.close();
  });

  it('lists the agent’s tools and calls one through Bollard, recorded as an MCP call', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('organizations_list');
    expect(names).not.toContain('organizations_delete');
    const listed = await client.callTool({ name: 'organizations_list', arguments: { limit: 1 } });
    expect((structured(listed).data as unknown[]).length).toBe(1);
    const denied = await client.callTool({ name: 'organizations_delete', arguments: { id: 'org_x' } });
    expect(structured(denied)).toMatchObject({ code: 'permission_denied' });
    const records = [];
    for await (const record of h.app.store.scanAudit()) records.push(record);
    expect(
      records.filter((r) => r.agentName === 'stdio-agent' && r.kind === 'call').map((r) => r.decision),
    ).toEqual(['allow', 'deny']);
  });
});
