import { z } from 'zod';
import {
  type AgentService,
  parseSince,
  replayPolicy,
  type ShadowPolicy,
  suggestGrants,
} from '../../agents/index.js';
import type { Store } from '../../store/types.js';
import { validationError } from '../errors.js';
import type { Router } from '../route.js';
import { policyBody } from '../schemas.js';
import { adminActor } from './agents.js';

const since = z
  .string()
  .max(64)
  .default('30d')
  .meta({ description: 'A duration back from now (30d, 12h) or an ISO-8601 time' });

function sinceInstant(value: string): string {
  const at = parseSince(value);
  if (!at)
    throw validationError('since', [
      {
        code: 'custom',
        path: [],
        message: `'${value}' is neither a duration (30d) nor a date`,
        input: value,
      },
    ]);
  return at;
}

/**
 * What recorded traffic says about policy: a proposed policy replayed against it, and the least privilege
 * that covers what an agent actually did. Both only read.
 */
export function registerInsightRoutes(router: Router, agents: AgentService, store: Store): void {
  router.add({
    method: 'POST',
    url: '/policy/replay',
    tag: 'policy',
    summary:
      'Replay recorded calls against a proposed policy: per agent, calls it would deny, hold for approval, or newly allow',
    body: policyBody.extend({ since }),
    handler: async ({ body }) => {
      const { since: window, ...policy } = body;
      await agents.planPolicy(policy); // the same validation as plan and apply
      return replayPolicy(store, policy, sinceInstant(window));
    },
  });
  router.add({
    method: 'GET',
    url: '/agents/:id/suggest',
    tag: 'agents',
    summary:
      'The minimal grants that cover what the agent was allowed to call, grants it did not use, and approvals its destructive calls would need',
    params: z.object({ id: z.string().min(1).meta({ description: 'Agent id (agt_…) or name' }) }),
    query: z.strictObject({ since }),
    handler: async ({ params, query }) => {
      const agent = await agents.get(params.id);
      return suggestGrants(store, agent, sinceInstant(query.since));
    },
  });
}

const shadowState = z.object({
  active: z.boolean(),
  source: z.string().nullable().meta({ description: 'The file, or the operator who set it through the API' }),
  since: z.string().nullable(),
  agents: z.array(z.string()),
});

/**
 * The shadow policy of this replica: a proposed policy evaluated beside the enforced one; each call record of
 * a policy decision carries `details.shadow`. Setting it changes no enforcement (still admin-only: it is
 * what every record will say).
 */
export function registerShadowRoutes(router: Router, agents: AgentService, shadow: ShadowPolicy): void {
  router.add({
    method: 'GET',
    url: '/policy/shadow',
    tag: 'policy',
    summary: 'The shadow policy evaluated beside the enforced one on this replica, if any',
    response: shadowState,
    handler: async () => shadow.state(),
  });
  router.add({
    method: 'POST',
    url: '/policy/shadow',
    tag: 'policy',
    summary:
      'Evaluate this policy beside the enforced one (never enforced); records carry its would-be decision',
    body: policyBody,
    response: shadowState,
    handler: async ({ body, request }) => {
      await agents.planPolicy(body); // validated like plan and apply
      shadow.set(body, `admin API (${adminActor(request).name})`);
      return shadow.state();
    },
  });
  router.add({
    method: 'DELETE',
    url: '/policy/shadow',
    tag: 'policy',
    summary: 'Stop evaluating the shadow policy',
    response: shadowState,
    handler: async () => {
      shadow.clear();
      return shadow.state();
    },
  });
}
