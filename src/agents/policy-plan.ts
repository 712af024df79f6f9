import type { CatalogEndpoint } from '../catalog/types.js';
import type { AgentRecord } from '../store/types.js';
import { type AgentFields, type AgentInput, changedFields, mergeFields } from './agent-input.js';
import { diffGrants } from './grants.js';
import { type RiskWarning, riskWarnings } from './risk.js';

/** The desired state a policy file declares: the complete list of agents. */
export interface DesiredPolicy {
  agents: readonly AgentInput[];
}

/** What applying the policy does to one agent. */
export interface AgentPlan {
  name: string;
  action: 'create' | 'update' | 'delete' | 'unchanged';
  /** Permissions the agent gains and loses (write includes read). */
  gained: string[];
  lost: string[];
  /** Fields that change, for updates (`grants`, `expiresAt`…). */
  changed: string[];
  /** Risky permissions among those gained. */
  warnings: RiskWarning[];
  /** Tokens that can call today (an existing agent only): 0 means it is revoked or its tokens expired. */
  activeTokens?: number;
  /** The agent before and after; null when it does not exist on that side. */
  before: AgentRecord | null;
  after: AgentFields | null;
}

export interface PolicyPlan {
  agents: AgentPlan[];
  summary: { create: number; update: number; delete: number; unchanged: number; warnings: number };
}

function planOne(
  before: AgentRecord | null,
  desired: AgentInput | null,
  endpoints: readonly CatalogEndpoint[],
) {
  // The file is the whole truth for the agents it declares: an absent field means its default.
  const after = desired ? mergeFields(null, desired) : null;
  const { gained, lost } = diffGrants(before?.grants ?? {}, after?.grants ?? {});
  const changed = before && after ? changedFields(before, after) : [];
  let action: AgentPlan['action'] = 'unchanged';
  if (!before) action = 'create';
  else if (!after) action = 'delete';
  else if (changed.length > 0) action = 'update';
  const name = (desired?.name ?? before?.name) as string;
  return { name, action, gained, lost, changed, warnings: riskWarnings(gained, endpoints), before, after };
}

/**
 * The effective change from the agents that exist to the agents a policy declares. The policy is
 * authoritative: an agent that exists but is not declared is planned for deletion.
 * @example planAgents(await store.listAgents(), { agents: [{ name: 'support', grants: ['users:read'] }] }, endpoints)
 */
export function planAgents(
  current: readonly AgentRecord[],
  policy: DesiredPolicy,
  endpoints: readonly CatalogEndpoint[],
): PolicyPlan {
  const byName = new Map(current.map((agent) => [agent.name, agent]));
  const declared = new Set(policy.agents.map((agent) => agent.name));
  const plans: AgentPlan[] = policy.agents.map((desired) =>
    planOne(byName.get(desired.name) ?? null, desired, endpoints),
  );
  for (const agent of current) if (!declared.has(agent.name)) plans.push(planOne(agent, null, endpoints));
  plans.sort((a, b) => a.name.localeCompare(b.name));
  const count = (action: AgentPlan['action']) => plans.filter((plan) => plan.action === action).length;
  return {
    agents: plans,
    summary: {
      create: count('create'),
      update: count('update'),
      delete: count('delete'),
      unchanged: count('unchanged'),
      warnings: plans.reduce((sum, plan) => sum + plan.warnings.length, 0),
    },
  };
}
