import { getEndpoint } from '../catalog/index.js';
import { authorize, NO_CONTROLS } from '../policy/index.js';
import type { AuditDraft } from '../store/types.js';
import { type AgentFields, mergeFields } from './agent-input.js';
import type { DesiredPolicy } from './policy-plan.js';

/** A decision as a shadow comparison speaks of it: approval (held or decided) is its own verdict. */
export type Verdict = 'allow' | 'deny' | 'approval';

/** What a call record carries when a shadow policy runs: the would-be decision and whether they agree. */
export interface ShadowVerdict {
  decision: Verdict;
  rule: string;
  agrees: boolean;
}

/** The reasons that are the policy's decision (not authentication, limits or faults): only these are compared. */
const POLICY_REASONS: Readonly<Record<string, Verdict>> = {
  granted: 'allow',
  approved: 'allow',
  missing_permission: 'deny',
  approval_required: 'approval',
  approval_denied: 'approval',
};

/**
 * A proposed policy evaluated beside the enforced one, never enforced: each call record of a policy decision
 * gets `details.shadow` with the decision the proposed file would have made. Held in memory per replica.
 */
export class ShadowPolicy {
  #agents: Map<string, AgentFields> | null = null;
  #source: string | null = null;
  #since: string | null = null;

  set(policy: DesiredPolicy, source: string, at: Date = new Date()): void {
    this.#agents = new Map(policy.agents.map((agent) => [agent.name, mergeFields(null, agent)]));
    this.#source = source;
    this.#since = at.toISOString();
  }

  clear(): void {
    this.#agents = null;
    this.#source = null;
    this.#since = null;
  }

  state(): { active: boolean; source: string | null; since: string | null; agents: string[] } {
    return {
      active: this.#agents !== null,
      source: this.#source,
      since: this.#since,
      agents: [...(this.#agents?.keys() ?? [])].sort(),
    };
  }

  /** The draft with `details.shadow` added when a shadow policy runs and the record is a policy decision. */
  annotate(draft: AuditDraft): AuditDraft {
    const agents = this.#agents;
    if (!agents || draft.kind !== 'call' || !draft.agentName || !draft.endpointId || !draft.reason)
      return draft;
    const enforced = POLICY_REASONS[draft.reason];
    const endpoint = getEndpoint(draft.endpointId);
    if (!enforced || !endpoint) return draft;
    const fields = agents.get(draft.agentName);
    let shadow: Omit<ShadowVerdict, 'agrees'>;
    if (!fields) shadow = { decision: 'deny', rule: 'shadow:agent_absent' };
    else {
      const decision = authorize(
        { id: draft.agentId ?? '', name: draft.agentName, ...fields },
        endpoint,
        Date.now(),
        NO_CONTROLS,
      );
      const verdict: Verdict = decision.allow
        ? 'allow'
        : decision.reason === 'approval_required'
          ? 'approval'
          : 'deny';
      shadow = { decision: verdict, rule: decision.rule };
    }
    return {
      ...draft,
      details: { ...draft.details, shadow: { ...shadow, agrees: shadow.decision === enforced } },
    };
  }
}
