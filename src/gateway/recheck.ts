import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import type { Decision, Freeze } from '../policy/index.js';
import type { AgentRecord } from '../store/types.js';
import type { CallFacts } from './audit-entry.js';
import { authenticate } from './authenticate.js';
import type { ControlState } from './control-state.js';
import type { CredentialCache } from './credential-cache.js';
import { decideCall } from './decide.js';
import type { LimitDenial } from './limits.js';
import { asBollardError } from './respond.js';

/** 401 for an agent the policy refuses as a whole (`agentState`): disabled or expired. */
export function agentStateError(name: string, reason: 'agent_disabled' | 'agent_expired'): BollardError {
  const what = reason === 'agent_disabled' ? 'is disabled' : 'has expired';
  return new BollardError('unauthorized', `Agent '${name}' ${what}.`, { reason });
}

/** The error an agent gets when the policy refuses it: 401 for a disabled or expired agent, 403 otherwise. */
export function denialError(
  decision: Decision,
  agent: AgentRecord | null,
  endpoint: CatalogEndpoint,
): BollardError {
  const name = agent?.name ?? 'anonymous';
  if (decision.reason === 'agent_disabled' || decision.reason === 'agent_expired')
    return agentStateError(name, decision.reason);
  if (decision.reason === 'frozen' && decision.freeze) return frozenError(name, decision.freeze);
  if (decision.reason === 'approval_required')
    return new BollardError(
      'approval_required',
      `Agent '${name}' needs an operator's approval for ${endpoint.method} ${endpoint.path} (rule: ${decision.rule}), and this path cannot hold a call for one.`,
      { agent: name, endpoint: endpoint.id },
    );
  return new BollardError(
    'permission_denied',
    `Agent '${name}' may not call ${endpoint.method} ${endpoint.path}: it needs ${decision.permission}.`,
    { agent: name, endpoint: endpoint.id, required_permission: decision.permission },
  );
}

/** 403 `frozen`: who froze what, why, and the command that lifts it. */
export function frozenError(agentName: string, freeze: Freeze): BollardError {
  const all = freeze.scope === 'all';
  const what = `${all ? 'All agents are' : `Agent '${agentName}' is`} frozen${freeze.writesOnly ? ' for writes' : ''}`;
  const why = freeze.reason ? `: ${freeze.reason}` : '';
  return new BollardError(
    'frozen',
    `${what} by operator '${freeze.createdBy}' since ${freeze.createdAt}${why}. Nothing was sent to WorkOS; an operator lifts it with: bollard unfreeze ${all ? '--all' : `--agent ${agentName}`}`,
    {
      agent: agentName,
      scope: all ? 'all' : 'agent',
      writes_only: freeze.writesOnly,
      frozen_reason: freeze.reason,
      frozen_by: freeze.createdBy,
      frozen_at: freeze.createdAt,
    },
  );
}

/**
 * Authenticates and authorizes a call again from the credential cache's current state. A call that waited
 * (for its body, for a rate limit) was checked against the grants of before the wait; a revocation, a disabled
 * agent or a narrowed grant must stop it before it is recorded and forwarded. Anonymous endpoints pass.
 * The denial's rule is prefixed `recheck:` so the audit says the call was refused after its first check.
 */
export async function recheckAccess(
  deps: { credentials: CredentialCache; controls: Pick<ControlState, 'current'> },
  facts: CallFacts,
  endpoint: CatalogEndpoint,
  now: number,
): Promise<LimitDenial | null> {
  if (endpoint.anonymous) return null;
  let auth: Awaited<ReturnType<typeof authenticate>>;
  try {
    // Where the body may carry the agent's token (`client_secret`), the first check read it there too.
    const body = endpoint.apiKeyField === 'client_secret' ? facts.body : undefined;
    auth = await authenticate(facts.req.headers, deps.credentials, now, body);
  } catch (error) {
    // The store cannot be read: refuse (fail closed) through the denial path, so the budget is given back.
    const failure = asBollardError(error);
    const reason = String(failure.fields.reason ?? 'store_unreadable');
    return { error: failure, reason, rule: 'recheck:auth:store_unreadable' };
  }
  if (!auth.ok) return { error: auth.error, reason: auth.failure, rule: `recheck:auth:${auth.failure}` };
  facts.agent = auth.credential.agent;
  let controls: Awaited<ReturnType<ControlState['current']>>;
  try {
    controls = await deps.controls.current();
  } catch (error) {
    const failure = asBollardError(error);
    return { error: failure, reason: 'store_unreadable', rule: 'recheck:controls:store_unreadable' };
  }
  const decision = decideCall(auth.credential.agent, endpoint, facts, now, controls);
  facts.decision = decision;
  if (decision.allow) return null;
  // Held for (or approved by) an operator's approval: the approval's own checks decide it, not this one.
  if (decision.reason === 'approval_required' && facts.approvalId) return null;
  return {
    error: denialError(decision, auth.credential.agent, endpoint),
    reason: decision.reason,
    rule: `recheck:${decision.rule}`,
  };
}
