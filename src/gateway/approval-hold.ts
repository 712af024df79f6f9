import { type ApprovalService, callDigest, effectiveStatus } from '../approvals/index.js';
import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import type { Decision } from '../policy/index.js';
import type { ApprovalRecord } from '../store/types.js';
import { type CallFacts, callDraft } from './audit-entry.js';
import type { CredentialCache } from './credential-cache.js';
import type { LimitDenial } from './limits.js';
import type { GatewayDeps } from './pipeline.js';

/** What the pipeline needs of approvals: open, read, claim; and how long to hold a call. */
export interface ApprovalGate {
  service: Pick<ApprovalService, 'current' | 'open' | 'record' | 'claim' | 'linkFor'>;
  /** How long a call is held open for a decision (`BOLLARD_APPROVAL_WAIT_MS`). */
  waitMs: number;
}

/** How soon an agent told `approval_required` should try again: a person is deciding. */
const RETRY_AFTER_SECONDS = 30;

/** 403 `approval_required`: the request id, where and how it is approved, and what to do then. */
export function approvalRequiredError(
  approval: ApprovalRecord,
  link: string | null,
  now: number,
  note = '',
): BollardError {
  const given = approval.decisions.filter((d) => d.decision === 'approve').length;
  const where = link ? ` or at ${link}` : '';
  return new BollardError(
    'approval_required',
    `Agent '${approval.agentName}' needs an operator's approval for ${approval.method} ${approval.path} (rule: approve ${approval.selector}).${note} Approval ${approval.id} is pending (${given} of ${approval.required} approvals): an operator approves it with \`bollard approvals approve ${approval.id}\`${where}. Then repeat the identical call (same method, path, query and body) once, before ${approval.expiresAt}; nothing was sent to WorkOS.`,
    {
      agent: approval.agentName,
      approval_id: approval.id,
      approval_status: effectiveStatus(approval, now),
      approvals_required: approval.required,
      approvals_given: given,
      expires_at: approval.expiresAt,
      approve_with: `bollard approvals approve ${approval.id}`,
      ...(link ? { approval_url: link } : {}),
      retry_after: RETRY_AFTER_SECONDS,
    },
  );
}

/** 403 `approval_denied`: who denied the call and why. */
export function approvalDeniedError(approval: ApprovalRecord): BollardError {
  const denial = approval.decisions.find((d) => d.decision === 'deny');
  const why = denial?.reason ? `: ${denial.reason}` : '';
  return new BollardError(
    'approval_denied',
    `Operator '${denial?.operator ?? 'unknown'}' denied ${approval.method} ${approval.path} for agent '${approval.agentName}'${why}. Do not repeat this call; a different call asks anew.`,
    {
      agent: approval.agentName,
      approval_id: approval.id,
      denied_by: denial?.operator ?? null,
      denial_reason: denial?.reason ?? null,
    },
  );
}

function denied(approval: ApprovalRecord): LimitDenial {
  return { error: approvalDeniedError(approval), reason: 'approval_denied', rule: `approval:${approval.id}` };
}

/** Resolves on the next change to agents, tokens, freezes or approvals (here or on another replica), the timeout, or abort. */
function nextChange(credentials: CredentialCache, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    const unsubscribe = credentials.subscribe(done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * A call whose grants allow it but whose `approve:` rule wants operators to say yes first. Finds the request
 * for this exact call (digest of method, path, query and body, under the agent's current policy): approved →
 * the call may go (the caller claims it once, with its write-ahead record); denied → 403 approval_denied.
 * Otherwise it records the call as `pending_approval` (write-ahead, opening a request `apr_…` if none is
 * pending) and holds it open up to `waitMs`, waking on every change to check again — a freeze or a
 * revocation refuses it at once. No decision in time → 403 approval_required with the id and Retry-After.
 */
export async function holdForApproval(
  deps: Pick<GatewayDeps, 'credentials' | 'audit' | 'now'> & { approvals: ApprovalGate },
  facts: CallFacts,
  call: {
    endpoint: CatalogEndpoint;
    decision: Decision;
    method: string;
    path: string;
    rawQuery: string;
    raw: Buffer;
  },
  signal: AbortSignal,
  recheck: () => Promise<LimitDenial | null>,
): Promise<{ approval: ApprovalRecord } | { denial: LimitDenial }> {
  const { service } = deps.approvals;
  const agent = facts.agent!;
  const rule = call.decision.approval!;
  const digest = callDigest(call.method, call.path, call.rawQuery, call.raw);
  const found = await service.current(agent.id, digest, agent.updatedAt);
  if (found?.status === 'approved') return { approval: found };
  if (found?.status === 'denied') return { denial: denied(found) };

  const pending = callDraft(facts, {
    decision: 'pending_approval',
    reason: 'approval_required',
    rule: call.decision.rule,
    status: null,
  });
  let approval: ApprovalRecord;
  if (found) {
    approval = found;
    await deps.audit.append({ ...pending, details: { ...pending.details, approvalId: found.id } });
  } else {
    approval = await service.open(
      {
        agentId: agent.id,
        agentName: agent.name,
        endpointId: call.endpoint.id,
        method: call.method,
        path: pending.path ?? call.path,
        digest,
        policyVersion: agent.updatedAt,
        selector: rule.selector,
        required: rule.approvals,
        request: { query: facts.details.query ?? null, body: facts.details.body ?? null },
        requestId: facts.requestId,
      },
      pending,
    );
  }
  // While held, the recheck must not refuse the call for needing the approval it is waiting for.
  facts.approvalId = approval.id;
  facts.details = { ...facts.details, approvalId: approval.id };
  const deadline = Math.min(deps.now() + deps.approvals.waitMs, Date.parse(approval.expiresAt));
  for (;;) {
    const left = deadline - deps.now();
    if (left <= 0 || signal.aborted) break;
    await nextChange(deps.credentials, left, signal);
    const late = await recheck();
    if (late) return { denial: late };
    const now = deps.now();
    approval = (await service.record(approval.id)) ?? approval;
    const status = effectiveStatus(approval, now);
    if (status === 'approved') return { approval };
    if (status === 'denied') return { denial: denied(approval) };
    if (status !== 'pending') break;
  }
  facts.approvalId = undefined;
  const note =
    effectiveStatus(approval, deps.now()) === 'void'
      ? ' The agent changed meanwhile, so the request was voided.'
      : '';
  return {
    denial: {
      error: approvalRequiredError(approval, service.linkFor(approval.id), deps.now(), note),
      reason: 'approval_required',
      rule: call.decision.rule,
    },
  };
}
