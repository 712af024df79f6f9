import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  type Actor,
  type AgentPatch,
  type AgentService,
  type AgentView,
  parseDurationSeconds,
} from '../../agents/index.js';
import { grantSpecsOf } from '../../agents/restriction-input.js';
import type { McpToolMode, OperatorRole } from '../../store/types.js';
import { callerOf } from '../auth.js';
import { validationError } from '../errors.js';
import type { Router } from '../route.js';
import {
  agentView,
  agentWithToken,
  createAgentBody,
  idParams,
  rotateBody,
  updateAgentBody,
} from '../schemas.js';

/** The admin actor of a request: the operator the token names (`admin` for the bootstrap token), and the request's facts. */
export function adminActor(request: FastifyRequest): Actor & { role: OperatorRole } {
  const caller = callerOf(request);
  return {
    kind: 'admin',
    name: caller.name,
    role: caller.role,
    requestId: `adm_${request.id}`,
    clientIp: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  };
}

/** `expiresIn: '30d'` → `expiresAt`, so the server's clock (not the CLI's) decides the instant. */
function withExpiry<T extends { expiresIn?: string; expiresAt?: string | null }>(input: T, now: Date) {
  const { expiresIn, ...rest } = input;
  if (expiresIn === undefined) return rest;
  const seconds = parseDurationSeconds(expiresIn) ?? 0;
  return { ...rest, expiresAt: new Date(now.getTime() + seconds * 1000).toISOString() };
}

/** `mcp: { tools }` as the API takes it → the service's `mcpTools`; `mcp: null` means the server default. */
function withMcpTools<T extends { mcp?: { tools: McpToolMode | null } | null }>(input: T) {
  const { mcp, ...rest } = input;
  return mcp === undefined ? rest : { ...rest, mcpTools: mcp?.tools ?? null };
}

/**
 * An agent as the API shows it: grants in their one canonical form, the `["users:read"]` list, and the
 * MCP tool mode as `mcp: { tools }` (null: the server default).
 */
export function apiAgent(agent: AgentView) {
  const { mcpTools, restrictions, approve, ...rest } = agent;
  return {
    ...rest,
    grants: grantSpecsOf(agent.grants, restrictions),
    mcp: { tools: mcpTools },
    organizations: restrictions?.organizations ?? null,
    approve: approve ?? [],
  };
}

function withApiAgent<T extends { agent: AgentView }>(result: T) {
  return { ...result, agent: apiAgent(result.agent) };
}

/** A PATCH may carry the view's read-only fields (GET sent back); `id` and `name` must be this agent's. */
function patchOf(
  target: AgentView,
  body: { id?: string; name?: string; createdAt?: string; updatedAt?: string; tokens?: unknown[] },
) {
  const { id, name, createdAt: _c, updatedAt: _u, tokens: _t, ...patch } = body;
  const issues = [
    ...(id !== undefined && id !== target.id
      ? [{ path: ['id'], message: `is ${target.id} for this agent` }]
      : []),
    ...(name !== undefined && name !== target.name
      ? [{ path: ['name'], message: `is '${target.name}' for this agent; names cannot be changed` }]
      : []),
  ];
  if (issues.length > 0) throw validationError('body', issues as never);
  return patch;
}

/** Agents CRUD, rotate and revoke. */
export function registerAgentRoutes(router: Router, agents: AgentService): void {
  const tag = 'agents';
  router.add({
    method: 'GET',
    url: '/agents',
    tag,
    summary: 'List agents',
    response: z.object({ data: z.array(agentView) }),
    handler: async () => ({ data: (await agents.list()).map(apiAgent) }),
  });
  router.add({
    method: 'POST',
    url: '/agents',
    tag,
    summary: 'Create an agent; the response carries its token, once',
    body: createAgentBody,
    status: 201,
    response: agentWithToken,
    handler: async ({ body, request }) =>
      withApiAgent(await agents.create(withMcpTools(withExpiry(body, new Date())), adminActor(request))),
  });
  router.add({
    method: 'GET',
    url: '/agents/:id',
    tag,
    summary: 'Show an agent',
    params: idParams,
    response: agentView,
    handler: async ({ params }) => apiAgent(await agents.get(params.id)),
  });
  router.add({
    method: 'PATCH',
    url: '/agents/:id',
    tag,
    summary:
      'Change description, grants (replaced as a whole), expiry, enabled, weight, quota or MCP tool mode',
    params: idParams,
    body: updateAgentBody,
    response: agentView,
    handler: async ({ params, body, request }) => {
      const patch = patchOf(await agents.get(params.id), body);
      return apiAgent(
        await agents.update(
          params.id,
          withMcpTools(withExpiry(patch, new Date())) as AgentPatch,
          adminActor(request),
        ),
      );
    },
  });
  router.add({
    method: 'DELETE',
    url: '/agents/:id',
    tag,
    summary: 'Delete an agent and its tokens',
    params: idParams,
    status: 204,
    handler: async ({ params, request }) => agents.delete(params.id, adminActor(request)),
  });
  router.add({
    method: 'POST',
    url: '/agents/:id/rotate',
    tag,
    summary: 'Issue a new token; the old ones keep working for graceSeconds (default 0)',
    params: idParams,
    body: rotateBody,
    response: agentWithToken,
    handler: async ({ params, body, request }) =>
      withApiAgent(await agents.rotate(params.id, body, adminActor(request))),
  });
  router.add({
    method: 'POST',
    url: '/agents/:id/revoke',
    tag,
    summary: 'Revoke every token of an agent; its next call is refused',
    params: idParams,
    response: agentView,
    handler: async ({ params, request }) => apiAgent(await agents.revoke(params.id, adminActor(request))),
  });
}
