import { endpoints, GENERAL_RATE_LIMIT } from '../catalog/index.js';
import type { CatalogEndpoint } from '../catalog/types.js';
import { TOOL_INPUTS } from './data/tool-inputs.js';
import type { JsonSchema, ToolInput } from './tool-input.js';

/** A tool as `tools/list` shows it: protocol fields only. */
export interface ToolDefinition {
  name: string;
  title?: string;
  description: string;
  inputSchema: JsonSchema & { type: 'object' };
  annotations?: {
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
}

/** One catalog endpoint as a tool, with what the call needs to build its request. */
export interface EndpointTool {
  tool: ToolDefinition;
  endpoint: CatalogEndpoint;
  input: ToolInput;
}

/** MCP tool names: `[a-z0-9_]`, at most 64 characters (the limit most clients hold to). */
export const TOOL_NAME = /^[a-z0-9_]{1,64}$/;

/** `organizations.delete` → `organizations_delete`. Endpoint ids are `[a-z0-9_.]`, at most 64 long. */
export function toolName(endpointId: string): string {
  return endpointId.replace(/[^a-z0-9]+/g, '_');
}

/**
 * Keyless endpoints (browser redirects, JWKS, logout, the SSO profile read with an end user's token) are
 * not tools: WorkOS serves them without the key, so Bollard has nothing to lend an agent there.
 */
export function isToolEndpoint(endpoint: CatalogEndpoint): boolean {
  return !endpoint.anonymous;
}

/** What the model reads about a tool: what it does, what it needs, its limits and consequences. */
export function describeEndpoint(endpoint: CatalogEndpoint): string {
  const lines = [endpoint.summary];
  if (endpoint.description && endpoint.description !== endpoint.summary) lines.push(endpoint.description);
  lines.push(
    `WorkOS call: ${endpoint.method} ${endpoint.path}. Needs the Bollard permission ${endpoint.permission}.`,
  );
  const limits = [...endpoint.rateLimits.map((rule) => rule.description), GENERAL_RATE_LIMIT.description];
  lines.push(`Rate limits: ${limits.join('; ')}.`);
  if (endpoint.destructive) lines.push('Irreversible: what it deletes cannot be restored.');
  if (endpoint.webhookEvents.length > 0) lines.push(`Webhook events: ${endpoint.webhookEvents.join(', ')}.`);
  if (endpoint.status !== 'current')
    lines.push(
      `Status: ${endpoint.status}${endpoint.replacedBy ? `; use ${toolName(endpoint.replacedBy)} instead` : ''}.`,
    );
  return lines.join('\n');
}

function projectEndpoint(endpoint: CatalogEndpoint): EndpointTool {
  const input = TOOL_INPUTS[endpoint.id];
  if (!input) throw new Error(`no generated tool input for ${endpoint.id}: run npm run mcp:generate`);
  return {
    endpoint,
    input,
    tool: {
      name: toolName(endpoint.id),
      title: endpoint.summary.length <= 80 ? endpoint.summary : `${endpoint.method} ${endpoint.path}`,
      description: describeEndpoint(endpoint),
      inputSchema: input.inputSchema as ToolDefinition['inputSchema'],
      annotations: {
        readOnlyHint: endpoint.access === 'read',
        destructiveHint: endpoint.destructive,
        idempotentHint:
          endpoint.method === 'GET' || endpoint.method === 'PUT' || endpoint.method === 'DELETE',
        openWorldHint: true,
      },
    },
  };
}

/** Every endpoint tool, in catalog order, built once. */
export const ENDPOINT_TOOLS: readonly EndpointTool[] = endpoints.filter(isToolEndpoint).map(projectEndpoint);

const BY_NAME = new Map(ENDPOINT_TOOLS.map((entry) => [entry.tool.name, entry]));
const BY_ID = new Map(ENDPOINT_TOOLS.map((entry) => [entry.endpoint.id, entry]));

/** The endpoint tool with this name, or undefined. */
export function endpointToolByName(name: string): EndpointTool | undefined {
  return BY_NAME.get(name);
}

/** The endpoint tool for this catalog id (or tool name), or undefined. */
export function endpointToolById(id: string): EndpointTool | undefined {
  return BY_ID.get(id) ?? BY_NAME.get(id);
}
