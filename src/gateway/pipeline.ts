import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import type { GatewayLimiter, UpstreamBreakers } from '../ratelimit/index.js';
import type { AuditDraft } from '../store/types.js';
import type { AgentDenials } from './agent-denials.js';
import type { AnonymousTraffic } from './anonymous-traffic.js';
import type { ApprovalGate } from './approval-hold.js';
import type { CallFacts } from './audit-entry.js';
import { authenticate } from './authenticate.js';
import {
  admit,
  authorizeCall,
  deny,
  denyDecision,
  denyUnknownEndpoint,
  failCall,
  heldForApproval,
  type ReadBody,
} from './call-steps.js';
import type { ControlState } from './control-state.js';
import type { CredentialCache } from './credential-cache.js';
import { tryFastPath } from './fast-path.js';
import type { UpstreamOptions } from './forward.js';
import { type Matcher, type NormalizedRequest, normalize } from './normalize.js';
import { type CallObserver, UNOBSERVED } from './observe.js';
import type { OwnerResolver } from './owner-resolver.js';
import { type ParsedBody, parseBody } from './parse-body.js';
import { readBody } from './read-body.js';
import { newRequestId } from './request-id.js';
import type { KeyResolver } from './resolve-keys.js';
import { asBollardError, REQUEST_ID_HEADER } from './respond.js';

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
  limiter?: Pick<GatewayLimiter, 'check' | 'checkNow'>;
  /** Bounds on callers without a valid agent token (per-source caps, aggregated denial records). */
  anonymous?: Pick<
    AnonymousTraffic,
    'admitConnection' | 'admitLocalCall' | 'refusal' | 'recordDenial' | 'trust'
  >;
  /** Aggregates an agent's repeated identical denials (the first few of each window in full, the rest counted). */
  agentDenials?: Pick<AgentDenials, 'take'>;
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
  /** The synchronous fast path for common calls (default on); off sends every call through the full pipeline. */
  fastPath?: boolean;
}

export { deny, newRequestId };

/**
 * One call, end to end: authenticate → normalize → match → authorize → rate-limit → record (write-ahead)
 * → inject credentials → forward → stream back → record outcome. Every denial is recorded too.
 * The common case takes the fast path (`fast-path.ts`): the same steps without a wait before the record.
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
    await (tryFastPath(deps, facts, res) ?? runPipeline(deps, facts, res));
  } catch (error) {
    failCall(deps, facts, res, error);
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
  if (!endpoint || !normalized) return denyUnknownEndpoint(deps, facts, res);

  const decision = authorizeCall(deps, facts, endpoint, await deps.controls.current());
  if (!decision.allow && !heldForApproval(deps, decision))
    return denyDecision(deps, facts, res, decision, endpoint);

  const read = early ?? (await readCallBody(deps, facts, endpoint));
  if (read instanceof BollardError) return denyBody(deps, facts, res, read);
  // Where Bollard must put the key into the body, it must understand the body: a JSON object or a form.
  if (read.raw.length > 0 && !read.body.value && carriesClientSecret(endpoint)) {
    const error = new BollardError('invalid_request', 'The body must be a JSON object or a form.', {
      reason: 'malformed_body',
    });
    return deny(deps, facts, res, error, 'malformed_body', 'normalize:body');
  }
  return admit(deps, facts, res, { normalized, endpoint, decision, read });
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
): Promise<ReadBody | BollardError> {
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

export { REQUEST_ID_HEADER };
