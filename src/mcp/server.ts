import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { expandGrants } from '../policy/index.js';
import type { LimiterStatus } from '../ratelimit/index.js';
import type { AgentRecord, TokenRecord } from '../store/types.js';
import { type CallerContext, callEndpointTool, errorResult } from './call.js';
import {
  CATALOG_TEMPLATE,
  catalogResource,
  catalogResources,
  describeForModel,
  searchEndpoints,
} from './catalog-view.js';
import { endpointToolById, endpointToolByName } from './tools.js';
import { type ToolMode, toolsFor } from './toolset.js';

/** One MCP request's view of its caller: who it is (as authenticated just now) and how to reach the pipeline. */
export interface McpContext extends CallerContext {
  agent: AgentRecord;
  token: TokenRecord;
  /** The mode in force for this agent: its own `mcp.tools`, else the server default. */
  mode: ToolMode;
  limiterStatus?: () => LimiterStatus;
}

export const SERVER_INFO = { name: 'bollard', version: '0.1.0' };

export const INSTRUCTIONS = [
  'Bollard is a least-privilege gateway to the WorkOS API (users, organizations, SSO, directory sync, audit logs, roles and more).',
  'Your tools are the WorkOS calls your Bollard agent is granted; each call is checked against your grants and WorkOS rate limits, and recorded in an audit log.',
  'Writes and deletes may be refused: a refusal names the permission you lack, and only an operator can grant it. Tools marked destructive are irreversible.',
  'Lists are paged: pass list_metadata.after from one answer as `after` to get the next page. bollard_whoami shows your grants.',
].join(' ');

/**
 * A server for one request of one agent. Stateless: it is built from the credential that request
 * carried, so a grant change, rotation or revocation shows on the very next request.
 */
export function createMcpServer(context: McpContext): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false }, resources: {} },
    instructions: INSTRUCTIONS,
  });
  const { grants } = context.agent;
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: toolsFor(grants, context.mode).tools }));
  server.setRequestHandler(CallToolRequestSchema, (request) =>
    callTool(context, request.params.name, request.params.arguments ?? {}),
  );
  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: catalogResources() }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [CATALOG_TEMPLATE],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) =>
    catalogResource(request.params.uri, grants),
  );
  return server;
}

/** Routes a tool call. An endpoint tool runs through the pipeline whether or not it was listed. */
export async function callTool(
  context: McpContext,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const endpointTool = endpointToolByName(name);
  if (endpointTool) return callEndpointTool(context, endpointTool, args);
  const { grants } = context.agent;
  switch (name) {
    case 'bollard_whoami':
      return jsonResult(whoami(context));
    case 'workos_search':
      return jsonResult({ endpoints: searchEndpoints(grants, args) });
    case 'workos_describe': {
      const entry = endpointToolById(String(args.endpoint ?? ''));
      if (!entry) return unknownEndpoint(args.endpoint);
      return jsonResult(describeForModel(entry, grants));
    }
    case 'workos_call': {
      const entry = endpointToolById(String(args.endpoint ?? ''));
      if (!entry) return unknownEndpoint(args.endpoint);
      const params = isObject(args.params) ? args.params : {};
      return callEndpointTool(context, entry, { ...params, body: args.body });
    }
    default:
      return errorResult(
        `Unknown tool ${name}. workos_search finds WorkOS endpoints; tools/list shows yours.`,
        {
          code: 'unknown_tool',
        },
      );
  }
}

function whoami(context: McpContext) {
  const { agent, token } = context;
  return {
    agent: agent.name,
    description: agent.description,
    grants: expandGrants(agent.grants),
    agent_expires_at: agent.expiresAt,
    token_expires_at: token.expiresAt,
    tool_mode: toolsFor(agent.grants, context.mode).mode,
    rate_limits: {
      weight: agent.weight,
      quota: agent.quota,
      limiter: context.limiterStatus?.() ?? { backend: 'off' },
    },
  };
}

function unknownEndpoint(value: unknown): CallToolResult {
  return errorResult(`No WorkOS endpoint ${String(value)} in the catalog; workos_search finds them.`, {
    code: 'unknown_endpoint',
  });
}

function jsonResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
