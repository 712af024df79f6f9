import type { CatalogEndpoint } from '../catalog/types.js';
import { type ApprovalRule, approvalFor } from './approvals.js';
import { type Freeze, freezeFor, type PolicyControls } from './freeze.js';
import { type Grants, grantsAllow } from './grants.js';

/** The caller as the policy sees it: only what the decision depends on. */
export interface PolicySubject {
  id: string;
  name: string;
  grants: Grants;
  enabled: boolean;
  /** ISO-8601 or null */
  expiresAt: string | null;
  /** Calls that need an operator's approval first. */
  approve?: readonly ApprovalRule[];
}

export type DecisionReason =
  | 'granted'
  | 'anonymous_endpoint'
  | 'missing_permission'
  | 'agent_disabled'
  | 'agent_expired'
  | 'frozen'
  | 'approval_required'
  | 'no_agent';

/**
 * A policy decision, as data: the audit record stores it and a 403 body says it.
 * @example { allow: false, permission: 'organizations:write', reason: 'missing_permission', rule: 'grants:organizations:read' }
 */
export interface Decision {
  allow: boolean;
  permission: string;
  reason: DecisionReason;
  /** Which rule decided: `grant:organizations:write`, `catalog:anonymous`, `agent:disabled`, `freeze:all`… */
  rule: string;
  /** The freeze that refused the call (reason `frozen`). */
  freeze?: Freeze;
  /**
   * Reason `approval_required`: the grants allow the call, but only once operators approve this exact call.
   * `allow` is false, so a path that does not hold calls for approval refuses them rather than forwarding.
   */
  approval?: ApprovalRule;
}

/** Why the agent as a whole may not call (disabled, expired), whatever its grants; null when it may. */
export function agentState(
  agent: Pick<PolicySubject, 'enabled' | 'expiresAt'>,
  now: number,
): { reason: 'agent_disabled' | 'agent_expired'; rule: string } | null {
  if (!agent.enabled) return { reason: 'agent_disabled', rule: 'agent:disabled' };
  if (agent.expiresAt !== null && Date.parse(agent.expiresAt) <= now)
    return { reason: 'agent_expired', rule: 'agent:expired' };
  return null;
}

/**
 * Decides whether `agent` may call `endpoint`. Pure: no I/O, the clock and the operators' controls (freezes)
 * are arguments. Unknown endpoints never reach here (the matcher fails closed before). Anonymous endpoints
 * (JWKS, browser redirects) carry no agent and no key, so a freeze does not stop them.
 */
export function authorize(
  agent: PolicySubject | null,
  endpoint: CatalogEndpoint,
  now: number,
  controls: PolicyControls,
): Decision {
  const permission = endpoint.permission;
  if (endpoint.anonymous)
    return { allow: true, permission, reason: 'anonymous_endpoint', rule: 'catalog:anonymous' };
  if (!agent) return { allow: false, permission, reason: 'no_agent', rule: 'auth:no_agent' };
  const state = agentState(agent, now);
  if (state) return { allow: false, permission, ...state };
  const freeze = freezeFor(controls, agent.id, endpoint);
  if (freeze) {
    const rule = freeze.scope === 'all' ? 'freeze:all' : `freeze:agent:${agent.name}`;
    return { allow: false, permission, reason: 'frozen', rule, freeze };
  }
  if (grantsAllow(agent.grants, permission)) {
    const approval = approvalFor(agent.approve, endpoint);
    if (approval)
      return {
        allow: false,
        permission,
        reason: 'approval_required',
        rule: `approve:${approval.selector}`,
        approval,
      };
    return {
      allow: true,
      permission,
      reason: 'granted',
      rule: `grant:${endpoint.area}:${agent.grants[endpoint.area]}`,
    };
  }
  const held = Object.hasOwn(agent.grants, endpoint.area) ? agent.grants[endpoint.area] : undefined;
  return {
    allow: false,
    permission,
    reason: 'missing_permission',
    rule: held ? `grant:${endpoint.area}:${held}` : `grant:${endpoint.area}:none`,
  };
}
