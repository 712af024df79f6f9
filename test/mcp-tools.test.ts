import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { endpoints } from '../src/catalog/index.js';
import { toolRequest } from '../src/mcp/call.js';
import { ENDPOINT_TOOLS, TOOL_NAME, toolsFor } from '../src/mcp/index.js';
import { META_TOOLS } from '../src/mcp/meta-tools.js';
import { endpointToolById } from '../src/mcp/tools.js';

const ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });

describe('generated MCP tools', () => {
  const all = [...ENDPOINT_TOOLS.map((entry) => entry.tool), ...META_TOOLS];

  it('one tool per keyed catalog endpoint, none for the keyless ones', () => {
    expect(ENDPOINT_TOOLS.map((e) => e.endpoint.id).sort()).toEqual(
      endpoints
        .filter((e) => !e.anonymous)
        .map((e) => e.id)
        .sort(),
    );
  });

  it('every name is [a-z0-9_], at most 64 characters, and unique', () => {
    for (const tool of all) expect(tool.name, tool.name).toMatch(TOOL_NAME);
    expect(new Set(all.map((t) => t.name)).size).toBe(all.length);
  });

  it('every input schema is a valid JSON Schema 2020-12 object schema (strict Ajv)', () => {
    for (const tool of all) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(() => ajv.compile(tool.inputSchema), tool.name).not.toThrow();
    }
  });

  it('annotations match the catalog: destructive ⇔ destructiveHint, read ⇔ readOnlyHint, GET/PUT/DELETE idempotent', () => {
    for (const { endpoint, tool } of ENDPOINT_TOOLS) {
      expect(tool.annotations?.destructiveHint, tool.name).toBe(endpoint.destructive);
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(endpoint.access === 'read');
      expect(tool.annotations?.idempotentHint, tool.name).toBe(
        ['GET', 'PUT', 'DELETE'].includes(endpoint.method),
      );
      expect(tool.annotations?.openWorldHint, tool.name).toBe(true);
      expect(tool.description).toContain(endpoint.permission);
      if (endpoint.destructive) expect(tool.description, tool.name).toMatch(/irreversible/i);
      for (const event of endpoint.webhookEvents) expect(tool.description).toContain(event);
    }
  });

  it('schemas carry the spec: path parameters required, pagination on lists, body fields with required-ness', () => {
    const list = endpointToolById('organizations.list')!.tool.inputSchema as unknown as {
      properties: Record<string, { type?: string }>;
    };
    expect(Object.keys(list.properties)).toEqual(
      expect.arrayContaining(['limit', 'before', 'after', 'order']),
    );
    expect(list.properties.limit?.type).toBe('integer');
    const del = endpointToolById('organizations.delete')!.tool.inputSchema;
    expect(del.required).toEqual(['id']);
    const create = endpointToolById('organizations.create')!.tool.inputSchema as unknown as {
      properties: { body: { properties: Record<string, unknown>; required?: string[] } };
    };
    expect(create.properties.body.required).toContain('name');
    const validate = ajv.compile(endpointToolById('organizations.create')!.tool.inputSchema);
    expect(validate({ body: { name: 'Acme' } })).toBe(true);
    expect(validate({ body: {} })).toBe(false);
  });

  it('never asks the model for client_secret: Bollard puts the WorkOS key there', () => {
    for (const { endpoint, tool } of ENDPOINT_TOOLS)
      if (endpoint.apiKeyField === 'client_secret') {
        const schema = tool.inputSchema as unknown as { properties: Record<string, { properties?: object }> };
        expect(Object.keys(schema.properties), tool.name).not.toContain('client_secret');
        expect(Object.keys(schema.properties.body?.properties ?? {}), tool.name).not.toContain(
          'client_secret',
        );
      }
  });

  it("keeps a data integration's own client_secret: only the sign-in exchanges take the WorkOS key there", () => {
    const entry = ENDPOINT_TOOLS.find(
      ({ endpoint }) => endpoint.id === 'pipes.configure_organization_provider',
    )!;
    const schema = entry.tool.inputSchema as unknown as { properties: { body?: { properties?: object } } };
    expect(Object.keys(schema.properties.body?.properties ?? {})).toContain('client_secret');
  });

  it('a path value stays one segment: encoded, so the normalizer judges it like any client’s', () => {
    const entry = endpointToolById('organizations.delete')!;
    expect(toolRequest(entry, { id: '../users' })).toEqual({
      method: 'DELETE',
      target: '/organizations/..%2Fusers',
    });
    expect(toolRequest(entry, {})).toEqual({ problem: expect.stringContaining('id') });
    const list = endpointToolById('organizations.list')!;
    expect(toolRequest(list, { limit: 2, domains: ['a.test', 'b.test'] })).toEqual({
      method: 'GET',
      target: '/organizations?limit=2&domains=a.test%2Cb.test',
    });
  });

  it('the tool list for a grant set is cached: the same array comes back', () => {
    const grants = { organizations: 'read' } as const;
    expect(toolsFor(grants, 'auto')).toBe(toolsFor({ organizations: 'read' }, 'auto'));
    expect(toolsFor(grants, 'full').tools.length).toBeGreaterThan(1);
    expect(toolsFor(grants, 'compact').tools.map((t) => t.name)).toContain('workos_call');
  });
});
