import { z } from 'zod';
import { AGENT_NAME_PATTERN } from '../../agents/index.js';
import { OPERATOR_ROLES, type OperatorService } from '../../operators/index.js';
import { callerOf } from '../auth.js';
import type { Router } from '../route.js';
import { adminActor } from './agents.js';

const role = z.enum(OPERATOR_ROLES as ['admin', 'approver', 'viewer']).meta({
  description: 'viewer reads; approver also decides approvals; admin does everything',
});

export const operatorView = z.object({
  id: z.string(),
  name: z.string(),
  role,
  hint: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
  active: z.boolean(),
});

const operatorParams = z.object({
  id: z.string().min(1).meta({ description: 'Operator id (opr_…) or name' }),
});

/** Named operators (admins manage them) and `GET /me`: who the presented token is. */
export function registerOperatorRoutes(router: Router, operators: OperatorService): void {
  const tag = 'operators';
  router.add({
    method: 'GET',
    url: '/me',
    tag,
    summary: 'The operator the presented token belongs to, and its role',
    response: z.object({ name: z.string(), role, operatorId: z.string().nullable() }),
    handler: async ({ request }) => callerOf(request),
  });
  router.add({
    method: 'GET',
    url: '/operators',
    tag,
    summary: 'List operators',
    response: z.object({ data: z.array(operatorView) }),
    handler: async () => ({ data: await operators.list() }),
  });
  router.add({
    method: 'POST',
    url: '/operators',
    tag,
    summary: 'Create an operator; the response carries its token, once',
    body: z.strictObject({
      name: z.string().regex(AGENT_NAME_PATTERN, "lowercase letters, digits, '.', '_', '-'"),
      role,
    }),
    status: 201,
    response: z.object({ operator: operatorView, token: z.string() }),
    handler: async ({ body, request }) => operators.create(body, adminActor(request)),
  });
  router.add({
    method: 'GET',
    url: '/operators/:id',
    tag,
    summary: 'Show an operator',
    params: operatorParams,
    response: operatorView,
    handler: async ({ params }) => operators.get(params.id),
  });
  router.add({
    method: 'POST',
    url: '/operators/:id/revoke',
    tag,
    summary: "Revoke an operator's token; its next request is refused",
    params: operatorParams,
    response: operatorView,
    handler: async ({ params, request }) => operators.revoke(params.id, adminActor(request)),
  });
}
