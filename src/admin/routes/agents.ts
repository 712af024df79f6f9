import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Actor, type AgentPatch, type AgentService, parseDurationSeconds } from '../../agents/index.js';
import type { Router } from '../route.js';
import {
  agentView,
  agentWithToken,
  createAgentBody,
  idParams,
  rotateBody,
  updateAgentBody,
} from '../schemas.js';

/** The admin actor of a request: the admin token has no name, so the request's facts say the rest. */
export function adminActor(request: FastifyRequest): Actor {
  return {
    kind: 'admin',
    name: 'admin',
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

/** Agents CRUD, rotate and revoke. */
export function registerAgentRoutes(router: Router, agents: AgentService): void {
  const tag = 'agents';
  router.add({
    method: 'GET',
    url: '/agents',
    tag,
    summary: 'List agents',
    response: z.object({ data: z.array(agentView) }),
    handler: async () => ({ data: await agents.list() }),
  });
  router.add({
    method: 'POST',
    url: '/agents',
    tag,
    summary: 'Create an agent; the response carries its token, once',
    body: createAgentBody,
    status: 201,
    response: agentWithToken,
    handler: async ({ body, request }) => agents.create(withExpiry(body, new Date()), adminActor(request)),
  });
  router.add({
    method: 'GET',
    url: '/agents/:id',
    tag,
    summary: 'Show an agent',
    params: idParams,
    response: agentView,
    handler: async ({ params }) => agents.get(params.id),
  });
  router.add({
    method: 'PATCH',
    url: '/agents/:id',
    tag,
    summary: 'Change description, grants (replaced as a whole), expiry, enabled, weight or quota',
    params: idParams,
    body: updateAgentBody,
    response: agentView,
    handler: async ({ params, body, request }) =>
      agents.update(params.id, withExpiry(body, new Date()) as AgentPatch, adminActor(request)),
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
    handler: async ({ params, body, request }) => agents.rotate(params.id, body, adminActor(request)),
  });
  router.add({
    method: 'POST',
    url: '/agents/:id/revoke',
    tag,
    summary: 'Revoke every token of an agent; its next call is refused',
    params: idParams,
    response: agentView,
    handler: async ({ params, request }) => agents.revoke(params.id, adminActor(request)),
  });
}
