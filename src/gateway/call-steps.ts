import type { ServerResponse } from 'node:http';
import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import type { Decision, PolicyControls } from '../policy/index.js';
import type { LimitRequest } from '../ratelimit/index.js';
import type { ApprovalRecord } from '../store/types.js';
import { approvalRequiredError, holdForApproval } from './approval-hold.js';
import { type CallFacts, callDraft } from './audit-entry.js';
import { decideCall } from './decide.js';
import { checkLimits, type LimitOutcome } from './limits.js';
import type { NormalizedRequest } from './normalize.js';
import { UNOBSERVED } from './observe.js';
import type { OwnerResolver } from './owner-resolver.js';
import type { ParsedBody } from './parse-body.js';
import type { GatewayDeps } from './pipeline.js';
import { denialError, recheckAccess } from './recheck.js';
import { relay } from './relay.js';
import { asBollardError, sendError } from './respond.js';
import { type CallScope, decideScope, type ScopeDecision } from './scope.js';

/**
 * The steps after the decision, shared by the full pipeline and the fast path so both answer and record
 * a call the same way: deny, wait for limits, record ahead and forward, fail.
 */

/** A call's body as read (empty for a call without one). */
export interface ReadBody {
  raw: Buffer;
  body: ParsedBody;
}

/** An allowed call, classified and decided. */
export interface AllowedCall {
  normalized: NormalizedRequest;
  endpoint: CatalogEndpoint;
  decision: Decision;
  read: ReadBody;
}

/**
 * Answers a denial and records it as one 'call' record; repeats are aggregated (an agent's identical
 * denials past the first few of a second, a source's anonymous ones past the first). The answer does not
 * wait on the audit store. Bollard's own routes (`/mcp`) refuse through it too.
 */
export async function deny(
  deps: GatewayDeps,
  facts: CallFacts,
  res: ServerResponse,
  error: BollardError,
  reason: string,
  rule: string,
): Promise<void> {
  const status = sendError(res, facts.requestId, error);
  // Counted into its window's aggregate: no record of its own to build or write.
  const counted = deps.agentDenials?.take(facts, reason, rule, status) ?? null;
  if (counted !== null) {
    facts.observation?.ended(counted);
    return;
  }
  const draft = callDraft(facts, { decision: 'deny', reason, rule, status });
  facts.observation?.ended(draft);
  // Without an agent, repeats from one source are counted into one record per window, not written each.
  if (facts.agent === null && deps.anonymous && !deps.anonymous.recordDenial(draft)) return;
  try {
    // Lazy: the answer is already sent and nothing waits on this record; it rides with the next group.
    await deps.audit.append(draft, { lazy: true });
  } catch (failure) {
    deps.logger.error({ err: failure, requestId: facts.requestId, reason }, 'audit write of a denial failed');
  }
}

/** Decides the call with `decideCall`, noting the stage and keeping the decision in the facts. */
export function authorizeCall(
  deps: GatewayDeps,
  facts: CallFacts,
  endpoint: CatalogEndpoint,
  controls: PolicyControls,
): Decision {
  const observation = facts.observation ?? UNOBSERVED;
  const started = observation.clock();
  const decision = decideCall(facts.agent, endpoint, facts, deps.now(), controls);
  observation.stage('authorize', started, !decision.allow);
  facts.decision = decision;
  return decision;
}

/** Answers and records the policy's refusal: 401 for a disabled or expired agent, 403 otherwise. */
export function denyDecision(
  deps: GatewayDeps,
  facts: CallFacts,
  res: ServerResponse,
  decision: Decision,
  endpoint: CatalogEndpoint,
): Promise<void> {
  return deny(deps, facts, res, denialError(decision, facts.agent, endpoint), decision.reason, decision.rule);
}

/** Answers and records a call to a path that is no WorkOS endpoint Bollard knows (fail closed). */
export function denyUnknownEndpoint(deps: GatewayDeps, facts: CallFacts, res: ServerResponse): Promise<void> {
  const error = new BollardError(
    'endpoint_not_allowed',
    `${facts.method} ${facts.path} is not a WorkOS endpoint Bollard knows; it is denied.`,
    { agent: facts.agent?.name ?? null },
  );
  return deny(deps, facts, res, error, 'unknown_endpoint', 'catalog:not_found');
}

/** Answers a call that failed inside Bollard (a thrown error): its code, or a bare 500 that is logged. */
export function failCall(deps: GatewayDeps, facts: CallFacts, res: ServerResponse, error: unknown): void {
  const failure = asBollardError(error);
  if (failure.code === 'internal_error')
    deps.logger.error({ err: error, requestId: facts.requestId }, 'proxy pipeline failed');
  const status = sendError(res, facts.requestId, failure);
  (facts.observation ?? UNOBSERVED).ended(
    callDraft(facts, { decision: 'deny', reason: failure.code, rule: 'error', status }),
  );
}

/** What the limiter is asked about a call. */
export function limitRequest(facts: CallFacts, endpoint: CatalogEndpoint, body: unknown): LimitRequest {
  return {
    endpoint,
    params: { ...facts.params },
    query: facts.query ?? new URLSearchParams(),
    body,
    agentId: facts.agent?.id ?? null,
    agentWeight: facts.agent?.weight ?? 1,
    agentQuota: facts.agent?.quota ?? null,
  };
}

/** No owner can be found: every pinned call that needs a lookup is denied. */
const NO_OWNERS: OwnerResolver = {
  owners: () => ({ ok: false, problem: 'owner lookups are not configured' }),
  invalidateForEvent: () => undefined,
  stats: () => ({ hits: 0, misses: 0, failures: 0, entries: 0 }),
};

/** The restrictions' verdict on the call as it stands (pins, constraints, redaction); synchronous when it can be. */
export function scopeOf(
  deps: GatewayDeps,
  facts: CallFacts,
  endpoint: CatalogEndpoint,
): ScopeDecision | Promise<ScopeDecision> {
  return decideScope(deps.owners ?? NO_OWNERS, facts.agent, endpoint, {
    params: facts.params,
    query: facts.query ?? new URLSearchParams(),
    body: facts.body,
  });
}

/**
 * The agent's restrictions (pins, constraints), then limits (waiting for room where WorkOS's limit is full),
 * then a re-check of access and restrictions after the waits, then record and forward. The full pipeline's
 * road for every allowed call, and the fast path's when a limit says wait or the agent has restrictions.
 * `scoped` is the restrictions' verdict when the caller has already asked for it.
 */
export async function admit(
  deps: GatewayDeps,
  facts: CallFacts,
  res: ServerResponse,
  call: AllowedCall,
  scoped?: ScopeDecision | Promise<ScopeDecision>,
): Promise<void> {
  const { endpoint } = call;
  const observation = facts.observation ?? UNOBSERVED;
  // Pins, argument constraints and redaction: decided before any wait, and again after it.
  let scope = await (scoped ?? scopeOf(deps, facts, endpoint));
  if (!scope.ok) {
    const { error, reason, rule } = scope.denial;
    return deny(deps, facts, res, error, reason, rule);
  }
  const signal = clientGone(res);
  // Access, then the agent's restrictions (a pin narrowed while the call was parked wakes and refuses it).
  const recheck = async () => {
    const denied = await recheckAccess(deps, facts, endpoint, deps.now());
    if (denied || !facts.agent?.restrictions) return denied;
    const again = await scopeOf(deps, facts, endpoint);
    return again.ok ? null : { ...again.denial, rule: `recheck:${again.denial.rule}` };
  };
  let approval: ApprovalRecord | null = null;
  if (heldForApproval(deps, call.decision) && deps.approvals) {
    const { normalized } = call;
    const held = await holdForApproval(
      { ...deps, approvals: deps.approvals },
      facts,
      {
        endpoint,
        decision: call.decision,
        method: normalized.method,
        path: normalized.path,
        rawQuery: normalized.rawQuery,
        raw: call.read.raw,
      },
      signal,
      recheck,
    );
    if ('denial' in held)
      return deny(deps, facts, res, held.denial.error, held.denial.reason, held.denial.rule);
    approval = held.approval;
    facts.approvalId = approval.id;
  }
  const waitStarted = observation.clock();
  const limits = deps.limiter
    ? await checkLimits(deps.limiter, limitRequest(facts, endpoint, call.read.body.value), endpoint, {
        maxWaitMs: deps.limitWaitMs,
        signal,
        now: deps.now,
        subscribe: (listener) => deps.credentials.subscribe(listener),
        recheck,
        keyResolver: deps.keyResolver,
        waiting: observation.waiting,
      })
    : null;
  if (limits) observation.stage('limit_wait', waitStarted, limits.denial !== null);
  if (limits?.denial)
    return deny(deps, facts, res, limits.denial.error, limits.denial.reason, limits.denial.rule);
  // The body was read and the call may have waited since the first check: check again, just before recording.
  const late = await recheck();
  if (late) {
    await limits?.release().catch(() => undefined);
    return deny(deps, facts, res, late.error, late.reason, late.rule);
  }
  // The agent's restrictions may have changed while the call waited (a pin narrowed).
  if (facts.agent?.restrictions) scope = await scopeOf(deps, facts, endpoint);
  if (!scope.ok) {
    await limits?.release().catch(() => undefined);
    const { error, reason, rule } = scope.denial;
    return deny(deps, facts, res, error, reason, `recheck:${rule}`);
  }
  return forwardAllowed(deps, facts, res, call, { limits, scope: scope.scope, approval });
}

/** What let an allowed call through: its rate-limit pass, its restrictions' scope, its operators' approval. */
export interface Admitted {
  limits: Extract<LimitOutcome, { denial: null }> | null;
  scope: CallScope | null;
  approval: ApprovalRecord | null;
}

/** A call the policy holds for an operator's approval (`approve:`), where this gateway can hold calls. */
export function heldForApproval(deps: Pick<GatewayDeps, 'approvals'>, decision: Decision): boolean {
  return decision.reason === 'approval_required' && deps.approvals !== undefined;
}

/**
 * Records the allowed call ahead (durable before anything leaves), then relays it. If the record cannot be
 * written the call is refused (503) and its rate-limit budget given back.
 */
export async function forwardAllowed(
  deps: GatewayDeps,
  facts: CallFacts,
  res: ServerResponse,
  call: AllowedCall,
  admitted: Admitted,
): Promise<void> {
  const { normalized, endpoint, decision, read } = call;
  const { limits, scope, approval } = admitted;
  const observation = facts.observation ?? UNOBSERVED;
  const rawQuery = withInjectedFilter(deps, facts, normalized.rawQuery, scope);
  const record = callDraft(facts, {
    decision: 'allow',
    reason: approval ? 'approved' : decision.reason,
    rule: approval ? `approval:${approval.id}` : decision.rule,
    status: null,
  });
  if (approval) record.details = { ...record.details, approvalId: approval.id };
  const commitStarted = observation.clock();
  try {
    // An approved call uses its approval once, in the same transaction as its write-ahead record.
    if (approval && deps.approvals) {
      if (!(await deps.approvals.service.claim(approval, record))) {
        await limits?.release().catch(() => undefined);
        const used = approvalRequiredError(
          approval,
          null,
          deps.now(),
          ' It was used or withdrawn meanwhile.',
        );
        return deny(deps, facts, res, used, 'approval_required', `approval:${approval.id}`);
      }
    } else await deps.audit.append(record);
    observation.stage('audit_commit', commitStarted);
  } catch (error) {
    observation.stage('audit_commit', commitStarted, true);
    deps.logger.error({ err: error, requestId: facts.requestId }, 'audit write failed; call refused');
    await limits?.release().catch(() => undefined);
    throw new BollardError('audit_unavailable');
  }
  const target = rawQuery ? `${normalized.path}?${rawQuery}` : normalized.path;
  await relay(deps, {
    req: facts.req,
    res,
    requestId: facts.requestId,
    startedAt: facts.startedAt,
    endpoint,
    method: normalized.method,
    target,
    raw: read.raw,
    body: read.body,
    record,
    onSend: limits?.sent,
    observation,
    shape: scope && (scope.filterItems || scope.withhold.length > 0) ? scope : null,
  });
}

/**
 * The query string to forward: with the organization filter Bollard adds for an agent pinned to one
 * organization, which the audit record then names too.
 */
function withInjectedFilter(
  deps: GatewayDeps,
  facts: CallFacts,
  rawQuery: string,
  scope: CallScope | null,
): string {
  if (!scope?.inject || !facts.query) return rawQuery;
  const { name, value } = scope.inject;
  facts.query.set(name, value);
  facts.details = { ...facts.details, query: deps.summarizeQuery(facts.query), injected: { [name]: value } };
  const added = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  return rawQuery ? `${rawQuery}&${added}` : added;
}

/** Aborts when the client closes the connection before the response is done (ends a wait for limits). */
function clientGone(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
