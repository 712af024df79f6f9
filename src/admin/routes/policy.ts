import { z } from 'zod';
import type { AgentService } from '../../agents/index.js';
import { policyText, validatePolicyText } from '../../policy-file/index.js';
import type { Router } from '../route.js';
import { policyBody } from '../schemas.js';
import { adminActor, apiAgent } from './agents.js';

const validateBody = z.strictObject({
  text: z
    .string()
    .max(1024 * 1024)
    .meta({ description: 'A bollard.yaml (YAML or JSON), at most 1 MiB' }),
});

/** Plan and apply a declared set of agents (the JSON form of bollard.yaml). */
export function registerPolicyRoutes(router: Router, agents: AgentService): void {
  router.add({
    method: 'GET',
    url: '/policy/export',
    tag: 'policy',
    summary: 'The current agents as a bollard.yaml (what `bollard policy export` writes)',
    produces: 'application/yaml',
    handler: async ({ reply }) => {
      const text = policyText((await agents.list()).map(apiAgent));
      return reply
        .header('content-type', 'application/yaml; charset=utf-8')
        .header('content-disposition', 'attachment; filename="bollard.yaml"')
        .send(text);
    },
  });
  router.add({
    method: 'POST',
    url: '/policy/validate',
    tag: 'policy',
    summary:
      'Check a bollard.yaml text: every problem with its line and column, or the policy as /policy/plan takes it',
    body: validateBody,
    handler: async ({ body }) => validatePolicyText(body.text),
  });
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
