import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import { authorize } from '../policy/index.js';
import type { GatewayLimiter, UpstreamBreakers } from '../ratelimit/index.js';
import type { ApprovalRecord, AuditDraft } from '../store/types.js';
import type { AnonymousTraffic } from './anonymous-traffic.js';
import { type ApprovalGate, approvalRequiredError, holdForApproval } from './approval-hold.js';
import { type CallFacts, callDraft } from './audit-entry.js';
import { authenticate } from './authenticate.js';
import type { ControlState } from './control-state.js';
import type { CredentialCache } from './credential-cache.js';
import type { UpstreamOptions } from './forward.js';
import { checkLimits } from './limits.js';
import { type Matcher, type NormalizedRequest, normalize } from './normalize.js';
import { type CallObserver, UNOBSERVED } from './observe.js';
import type { OwnerResolver } from './owner-resolver.js';
import { type ParsedBody, parseBody } from './parse-body.js';
import { readBody } from './read-body.js';
import { denialError, recheckAccess } from './recheck.js';
import { relay } from './relay.js';
import { newRequestId } from './request-id.js';
import type { KeyResolver } from './resolve-keys.js';
import { asBollardError, REQUEST_ID_HEADER, sendError } from './respond.js';
import { type CallScope, decideScope, type ScopeDecision } from './scope.js';

/** Where audit drafts go. Resolves once the record is durable (write-ahead); rejects if it cannot be. */
export interface AuditSink {
  /** `lazy`: nothing waits on this record (an outcome); it may ride with the next group commit. */
  append(draft: AuditDraft, options?: { lazy?: boolean }): Promise<unknown>;
}

/** Everything the pipeline needs, injected: no stage reaches for a global. */
export interface GatewayDeps {
  match: Matcher;
  credentials: CredentialCache;
  /** Operators' run-time controls (freezes) every decision takes. */
  controls: Pick<ControlState, 'current'>;
  /** Approval requests for calls an `approve:` rule holds; without it such calls are refused (403 approval_required). */
  approvals?: ApprovalGate;
  audit: AuditSink;
  /** A storable summary of a request body: field names, non-secret values, secrets marked present. */
  summarizeBody(body: Record<string, unknown> | undefined, secretFields: readonly string[]): unknown;
  /** A storable form of the query string, secrets marked present. */
  summarizeQuery(query: URLSearchParams): unknown;
  upstream: UpstreamOptions;
  dispatcher: Dispatcher;
  limiter?: Pick<GatewayLimiter, 'check'>;
  /** Bounds on callers without a valid agent token (per-source caps, aggregated denial records). */
  anonymous?: Pick<
    AnonymousTraffic,
    'admitConnection' | 'admitLocalCall' | 'refusal' | 'recordDenial' | 'trust'
  >;
  /** Circuit breakers per failure domain (WorkOS product area). */
  breaker?: Pick<UpstreamBreakers, 'execute'>;
  bodyLimitBytes: number;
  /** Longest a call waits inside Bollard for a WorkOS rate limit to have room. */
  limitWaitMs: number;
  /** Finds rate-limit scope values a request does not name (a group's directory). */
  keyResolver?: KeyResolver;
  logger: Logger;
  now(): number;
  /** Metrics, the per-call log line and traces; none without it. */
  observer?: CallObserver;
  /** Finds who owns a resource a pinned agent names; without it such calls are denied (fail closed). */
  owners?: OwnerResolver;
}

/** No owner can be found: every pinned call that needs a lookup is denied. */
const NO_OWNERS: OwnerResolver = {
  owners: () => ({ ok: false, problem: 'owner lookups are not configured' }),
  invalidateForEvent: () => undefined,
  stats: () => ({ hits: 0, misses: 0, failures: 0, entries: 0 }),
};

/** The restrictions' verdict on the call as it stands (pins, constraints, redaction). */
function scopeOf(deps: GatewayDeps, facts: CallFacts, endpoint: CatalogEndpoint) {
  return decideScope(deps.owners ?? NO_OWNERS, facts.agent, endpoint, {
    params: facts.params,
    query: facts.query ?? new URLSearchParams(),
    body: facts.body,
  });
}

export { newRequestId };

/**
 * One call, end to end: authenticate → normalize → match → authorize → rate-limit → record (write-ahead)
 * → inject credentials → forward → stream back → record outcome. Every denial is recorded too.
 */
export async function handleProxyRequest(
  deps: GatewayDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = newRequestId();
  const observation = deps.observer?.begin(requestId, req) ?? UNOBSERVED;
  const facts: CallFacts = {
    requestId,
    startedAt: deps.now(),
    req,
    method: req.method ?? null,
    path: null,
    agent: null,
    endpoint: null,
    params: {},
    query: null,
    body: undefined,
    decision: null,
    details: {},
    observation,
  };
  try {
    await runPipeline(deps, facts, res);
  } catch (error) {
    const failure = asBollardError(error);
    if (failure.code === 'internal_error')
      deps.logger.error({ err: error, requestId }, 'proxy pipeline failed');
    const status = sendError(res, requestId, failure);
    observation.ended(callDraft(facts, { decision: 'deny', reason: failure.code, rule: 'error', status }));
  }
}

async function runPipeline(deps: GatewayDeps, facts: CallFacts, res: ServerResponse): Promise<void> {
  const { req } = facts;
  const observation = facts.observation ?? UNOBSERVED;
  let normalized: NormalizedRequest | null = null;
  let classifyError: BollardError | null = null;
  try {
    normalized = normalize(req.method, req.url, req.headers, deps.match);
    facts.path = normalized.path;
    facts.query = new URLSearchParams(normalized.rawQuery);
    facts.details = { query: deps.summarizeQuery(facts.query) };
    if (normalized.match.kind === 'match') {
      facts.endpoint = normalized.match.endpoint;
      facts.params = normalized.match.params;
    }
  } catch (error) {
    classifyError = asBollardError(error);
    facts.path = (req.url ?? '').split('?')[0] ?? null;
  }

  const endpoint = facts.endpoint;
  // Where the body may carry the agent's token (`client_secret`), it is read before authenticating.
  const early = endpoint && carriesClientSecret(endpoint) ? await readCallBody(deps, facts, endpoint) : null;
  if (early instanceof BollardError) return denyBody(deps, facts, res, early);
  // Normalizing and reading the body touch no store: a refused source is refused here, before any store work.
  const refusal = deps.anonymous?.refusal(req, res, early?.body.value);
  if (refusal) {
    const reason = String(refusal.fields.reason);
    return deny(deps, facts, res, refusal, reason, `guard:${reason}`);
  }
  if (!endpoint?.anonymous) {
    const authStarted = observation.clock();
    const auth = await authenticate(req.headers, deps.credentials, deps.now(), early?.body.value);
    observation.stage('authenticate', authStarted, !auth.ok);
    if (!auth.ok) {
      facts.agent = auth.agent ?? null; // a revoked or expired token still names whose it was
      return deny(deps, facts, res, auth.error, auth.failure, `auth:${auth.failure}`);
    }
    facts.agent = auth.credential.agent;
    deps.anonymous?.trust(req.socket);
  }
  if (classifyError)
    return deny(
      deps,
      facts,
      res,
      classifyError,
      String(classifyError.fields.reason ?? 'invalid_request'),
      'normalize',
    );
  if (!endpoint || !normalized) {
    const error = new BollardError(
      'endpoint_not_allowed',
      `${facts.method} ${facts.path} is not a WorkOS endpoint Bollard knows; it is denied.`,
      {
        agent: facts.agent?.name ?? null,
      },
    );
    return deny(deps, facts, res, error, 'unknown_endpoint', 'catalog:not_found');
  }

  const authorizeStarted = observation.clock();
  const decision = authorize(facts.agent, endpoint, deps.now(), await deps.controls.current());
  observation.stage('authorize', authorizeStarted, !decision.allow);
  facts.decision = decision;
  const needsApproval = decision.reason === 'approval_required' && deps.approvals !== undefined;
  if (!decision.allow && !needsApproval)
    return deny(
      deps,
      facts,
      res,
      denialError(decision, facts.agent, endpoint),
      decision.reason,
      decision.rule,
    );

  const read = early ?? (await readCallBody(deps, facts, endpoint));
  if (read instanceof BollardError) return denyBody(deps, facts, res, read);
  const { raw, body } = read;
  // Where Bollard must put the key into the body, it must understand the body: a JSON object or a form.
  if (raw.length > 0 && !body.value && carriesClientSecret(endpoint)) {
    const error = new BollardError('invalid_request', 'The body must be a JSON object or a form.', {
      reason: 'malformed_body',
    });
    return deny(deps, facts, res, error, 'malformed_body', 'normalize:body');
  }

  // Pins, argument constraints and redaction: decided before any wait, and again after it.
  let scoped: ScopeDecision = await scopeOf(deps, facts, endpoint);
  if (!scoped.ok) {
    const { error, reason, rule } = scoped.denial;
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
  if (needsApproval && deps.approvals) {
    const held = await holdForApproval(
      { ...deps, approvals: deps.approvals },
      facts,
      {
        endpoint,
        decision,
        method: normalized.method,
        path: normalized.path,
        rawQuery: normalized.rawQuery,
        raw,
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
    ? await checkLimits(deps.limiter, facts, endpoint, body.value, {
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
  if (facts.agent?.restrictions) scoped = await scopeOf(deps, facts, endpoint);
  if (!scoped.ok) {
    await limits?.release().catch(() => undefined);
    const { error, reason, rule } = scoped.denial;
    return deny(deps, facts, res, error, reason, `recheck:${rule}`);
  }
  const scope = scoped.scope;
  const rawQuery = withInjectedFilter(deps, facts, normalized.rawQuery, scope);

  const call = callDraft(facts, {
    decision: 'allow',
    reason: approval ? 'approved' : decision.reason,
    rule: approval ? `approval:${approval.id}` : decision.rule,
    status: null,
  });
  if (approval) call.details = { ...call.details, approvalId: approval.id };
  const commitStarted = observation.clock();
  try {
    // An approved call uses its approval once, in the same transaction as its write-ahead record.
    if (approval && deps.approvals) {
      if (!(await deps.approvals.service.claim(approval, call))) {
        await limits?.release().catch(() => undefined);
        const used = approvalRequiredError(
          approval,
          null,
          deps.now(),
          ' It was used or withdrawn meanwhile.',
        );
        return deny(deps, facts, res, used, 'approval_required', `approval:${approval.id}`);
      }
    } else await deps.audit.append(call);
    observation.stage('audit_commit', commitStarted);
  } catch (error) {
    observation.stage('audit_commit', commitStarted, true);
    deps.logger.error({ err: error, requestId: facts.requestId }, 'audit write failed; call refused');
    await limits?.release().catch(() => undefined);
    throw new BollardError('audit_unavailable');
  }
  const target = rawQuery ? `${normalized.path}?${rawQuery}` : normalized.path;
  await relay(deps, {
    req,
    res,
    requestId: facts.requestId,
    startedAt: facts.startedAt,
    endpoint,
    method: normalized.method,
    target,
    raw,
    body,
    record: call,
    onSend: limits?.sent,
    signal,
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

function carriesClientSecret(endpoint: CatalogEndpoint): boolean {
  return endpoint.apiKeyField === 'client_secret';
}

/**
 * Reads and parses the body (bounded), keeping its parsed fields and redacted summary in the facts. A body
 * Bollard cannot read as WorkOS does comes back as the error to deny it with (400 `invalid_request`).
 */
async function readCallBody(
  deps: GatewayDeps,
  facts: CallFacts,
  endpoint: CatalogEndpoint,
): Promise<{ raw: Buffer; body: ParsedBody } | BollardError> {
  const raw = await readBody(facts.req, deps.bodyLimitBytes).catch((error: unknown) => {
    throw asBollardError(error);
  });
  let body: ParsedBody;
  try {
    body = parseBody(raw, facts.req.headers['content-type']);
  } catch (error) {
    return asBollardError(error);
  }
  facts.body = body.value;
  if (raw.length > 0) facts.details.body = deps.summarizeBody(body.value, endpoint.requestSecrets);
  return { raw, body };
}

function denyBody(deps: GatewayDeps, facts: CallFacts, res: ServerResponse, error: BollardError) {
  return deny(deps, facts, res, error, String(error.fields.reason ?? 'malformed_body'), 'normalize:body');
}

/**
 * Answers a denial and records it as one 'call' record; without an agent, repeats from one source are
 * aggregated. The answer does not wait on the audit store. Bollard's own routes (`/mcp`) refuse through it too.
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

/** Aborts when the client closes the connection before the response is done. */
function clientGone(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

export { REQUEST_ID_HEADER };
