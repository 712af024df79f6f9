import { McpError, ErrorCode as McpErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Grants } from '../policy/index.js';
import { ENDPOINT_TOOLS, type EndpointTool, endpointToolById } from './tools.js';
import { mayCall } from './toolset.js';

const URI_PREFIX = 'bollard://catalog/';

export const CATALOG_TEMPLATE = {
  uriTemplate: `${URI_PREFIX}{endpoint-id}`,
  name: 'catalog-endpoint',
  title: 'A WorkOS endpoint in Bollard’s catalog',
  description: 'One WorkOS endpoint: what it does, the permission it needs, limits, events, arguments.',
  mimeType: 'application/json',
};

/** Every endpoint as a resource (the catalog is no secret: the CLI reads it locally). */
export function catalogResources() {
  return ENDPOINT_TOOLS.map(({ endpoint }) => ({
    uri: `${URI_PREFIX}${endpoint.id}`,
    name: endpoint.id,
    title: endpoint.summary,
    mimeType: 'application/json',
  }));
}

export function catalogResource(uri: string, grants: Grants) {
  const entry = uri.startsWith(URI_PREFIX) ? endpointToolById(uri.slice(URI_PREFIX.length)) : undefined;
  if (!entry) throw new McpError(McpErrorCode.InvalidParams, `No catalog resource ${uri}`);
  return {
    contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(describeForModel(entry, grants)) }],
  };
}

/** One endpoint for a model: the catalog facts, the tool and whether this agent may call it. */
export function describeForModel(entry: EndpointTool, grants: Grants) {
  const { endpoint, tool } = entry;
  return {
    id: endpoint.id,
    tool: tool.name,
    method: endpoint.method,
    path: endpoint.path,
    area: endpoint.area,
    access: endpoint.access,
    permission: endpoint.permission,
    allowed: mayCall(grants, entry),
    summary: endpoint.summary,
    description: tool.description,
    destructive: endpoint.destructive,
    rate_limits: endpoint.rateLimits.map((rule) => rule.description),
    webhook_events: endpoint.webhookEvents,
    status: endpoint.status,
    input_schema: tool.inputSchema,
    docs: endpoint.source,
  };
}

/** `workos_search`: words, area and access filter the catalog; each hit says whether the agent may call it. */
export function searchEndpoints(grants: Grants, args: Record<string, unknown>) {
  const words = String(args.query ?? '')
    .toLowerCase()
    .split(/[^a-z0-9_]+/)
    .filter(Boolean);
  const limit = typeof args.limit === 'number' ? Math.min(100, Math.max(1, Math.floor(args.limit))) : 20;
  const hits = ENDPOINT_TOOLS.filter((entry) => {
    const { endpoint } = entry;
    if (typeof args.area === 'string' && endpoint.area !== args.area) return false;
    if (typeof args.access === 'string' && endpoint.access !== args.access) return false;
    if (args.allowed_only === true && !mayCall(grants, entry)) return false;
    const text = `${endpoint.id} ${endpoint.method} ${endpoint.path} ${endpoint.summary}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
  return hits.slice(0, limit).map((entry) => ({
    id: entry.endpoint.id,
    tool: entry.tool.name,
    method: entry.endpoint.method,
    path: entry.endpoint.path,
    permission: entry.endpoint.permission,
    allowed: mayCall(grants, entry),
    destructive: entry.endpoint.destructive,
    summary: entry.endpoint.summary,
  }));
}
