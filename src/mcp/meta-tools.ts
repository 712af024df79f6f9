import { areaNames } from '../catalog/index.js';
import type { ToolDefinition } from './tools.js';

/** The agent's own identity, grants and limits. */
export const WHOAMI_TOOL: ToolDefinition = {
  name: 'bollard_whoami',
  title: 'Who am I to Bollard',
  description:
    'Your Bollard agent: name, grants (the permissions you hold), when your agent and token expire, and the rate-limit state Bollard enforces for you.',
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

const SEARCH_TOOL: ToolDefinition = {
  name: 'workos_search',
  title: 'Find WorkOS endpoints',
  description:
    'Finds WorkOS API endpoints by words (in the id, path or summary), area and access. Each result says whether you may call it; call one with workos_call.',
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'Words to look for, e.g. "delete organization".' },
      area: { type: 'string', enum: [...areaNames], description: 'Only this permission area.' },
      access: { type: 'string', enum: ['read', 'write'], description: 'Only reads or only writes.' },
      allowed_only: { type: 'boolean', description: 'Only endpoints you may call.' },
      limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    },
    additionalProperties: false,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

const DESCRIBE_TOOL: ToolDefinition = {
  name: 'workos_describe',
  title: 'Describe a WorkOS endpoint',
  description:
    'Everything about one endpoint: what it does, the permission it needs, its rate limits, whether it is irreversible, the webhook events it triggers, and the arguments workos_call takes for it.',
  inputSchema: {
    type: 'object',
    properties: {
      endpoint: { type: 'string', description: 'The endpoint id (organizations.delete) or tool name.' },
    },
    required: ['endpoint'],
    additionalProperties: false,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

const CALL_TOOL: ToolDefinition = {
  name: 'workos_call',
  title: 'Call a WorkOS endpoint',
  description:
    'Calls one WorkOS endpoint through Bollard: path and query parameters in params, the JSON body in body (see workos_describe). Bollard checks your grants, WorkOS rate limits and records the call; writes may be refused.',
  inputSchema: {
    type: 'object',
    properties: {
      endpoint: { type: 'string', description: 'The endpoint id (organizations.list) or tool name.' },
      params: { type: 'object', description: 'Path and query parameters by name.' },
      body: { type: 'object', description: 'The JSON body, for endpoints that take one.' },
    },
    required: ['endpoint'],
    additionalProperties: false,
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
};

/** The compact tool set, for agents whose grants allow more endpoints than fit a model's context. */
export const META_TOOLS: readonly ToolDefinition[] = [SEARCH_TOOL, DESCRIBE_TOOL, CALL_TOOL, WHOAMI_TOOL];
