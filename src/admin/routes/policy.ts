import { z } from 'zod';
import type { AgentService } from '../../agents/index.js';
import type { Router } from '../route.js';
import { policyBody } from '../schemas.js';
import { adminActor } from './agents.js';

/** Plan and apply a declared set of agents (the JSON form of bollard.yaml). */
export function registerPolicyRoutes(router: Router, agents: AgentService): void {
  router.add({
    method: 'POST',
    url: '/policy/plan',
    tag: 'policy',
    summary:
      'The change a policy would make: agents added, removed, changed; permissions gained and lost; risks',
    body: policyBody,
    handler: async ({ body }) => agents.planPolicy(body),
  });
  router.add({
    method: 'POST',
    url: '/policy/apply',
    tag: 'policy',
    summary: 'Apply a policy atomically; the tokens of new agents are in the response, once',
    body: policyBody,
    response: z.object({
      plan: z.unknown(),
      tokens: z.array(z.object({ name: z.string(), agentId: z.string(), token: z.string() })),
    }),
    handler: async ({ body, request }) =>
      agents.applyPolicy(body, { ...adminActor(request), kind: 'policy' }),
  });
}
