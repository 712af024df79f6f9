import { z } from 'zod';
import { type FreezeService, MAX_FREEZE_REASON } from '../../freezes/index.js';
import type { Router } from '../route.js';
import { adminActor } from './agents.js';

export const freezeView = z.object({
  scope: z.string().meta({ description: "'all', or the frozen agent's id" }),
  agentName: z.string().nullable(),
  writesOnly: z.boolean(),
  reason: z.string(),
  createdAt: z.string(),
  createdBy: z.string().meta({ description: 'The operator who froze' }),
});

const freezeBody = z
  .strictObject({
    agent: z.string().min(1).optional().meta({ description: 'Agent name or id (or all: true)' }),
    all: z.literal(true).optional().meta({ description: 'Freeze every agent' }),
    writesOnly: z.boolean().optional().meta({ description: 'Refuse only calls that change something' }),
    reason: z
      .string()
      .max(MAX_FREEZE_REASON)
      .optional()
      .meta({ description: 'Shown to the agent in the 403' }),
  })
  .refine((body) => (body.agent === undefined) !== (body.all === undefined), {
    message: 'name one agent, or all: true (not both)',
    path: ['agent'],
  });

/** The kill switch: freeze and unfreeze one agent or every agent; list those in force. */
export function registerFreezeRoutes(router: Router, freezes: FreezeService): void {
  const tag = 'freezes';
  router.add({
    method: 'GET',
    url: '/freezes',
    tag,
    summary: 'Freezes in force',
    response: z.object({ data: z.array(freezeView) }),
    handler: async () => ({ data: await freezes.list() }),
  });
  router.add({
    method: 'POST',
    url: '/freezes',
    tag,
    summary: 'Freeze an agent (or every agent): its calls are refused with 403 frozen on every replica',
    body: freezeBody,
    status: 201,
    response: freezeView,
    handler: async ({ body, request }) =>
      freezes.freeze(
        {
          target: body.all ? { all: true } : { agent: body.agent as string },
          writesOnly: body.writesOnly,
          reason: body.reason,
        },
        adminActor(request),
      ),
  });
  router.add({
    method: 'DELETE',
    url: '/freezes/all',
    tag,
    summary: 'Lift the freeze on every agent (freezes of single agents stay)',
    response: freezeView,
    handler: async ({ request }) => freezes.unfreeze({ all: true }, adminActor(request)),
  });
  router.add({
    method: 'DELETE',
    url: '/freezes/agents/:agent',
    tag,
    summary: "Lift an agent's own freeze",
    params: z.object({ agent: z.string().min(1).meta({ description: 'Agent name or id' }) }),
    response: freezeView,
    handler: async ({ params, request }) => freezes.unfreeze({ agent: params.agent }, adminActor(request)),
  });
}
