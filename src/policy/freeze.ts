import type { CatalogEndpoint } from '../catalog/types.js';

/** A kill switch in force, as the policy reads it: every agent (`scope: 'all'`) or one (its id). */
export interface Freeze {
  /** `all`, or an agent id */
  scope: string;
  agentName: string | null;
  /** Only calls that change something are refused. */
  writesOnly: boolean;
  reason: string;
  createdAt: string;
  createdBy: string;
}

/**
 * What the decision depends on besides the agent and the endpoint: operator-controlled state that
 * changes at run time. Every path that decides a call passes it, so none can skip a freeze.
 */
export interface PolicyControls {
  freezes: readonly Freeze[];
}

/** No freeze in force. */
export const NO_CONTROLS: PolicyControls = Object.freeze({ freezes: Object.freeze([]) });

/** The freeze that stops this agent's call to `endpoint`, or null: the agent's own first, then `all`. */
export function freezeFor(
  controls: PolicyControls,
  agentId: string,
  endpoint: Pick<CatalogEndpoint, 'access'>,
): Freeze | null {
  const applies = (freeze: Freeze) => !freeze.writesOnly || endpoint.access === 'write';
  const own = controls.freezes.find((freeze) => freeze.scope === agentId && applies(freeze));
  return own ?? controls.freezes.find((freeze) => freeze.scope === 'all' && applies(freeze)) ?? null;
}
