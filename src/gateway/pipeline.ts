import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import { authorize, type Decision } from '../policy/index.js';
import type { AgentRecord, AuditDraft } from '../store/types.js';
import { type CallFacts, callDraft, outcomeDraft } from './audit-entry.js';
import { authenticate, bearerToken } from './authenticate.js';
import type { CredentialCache } from './credential-cache.js';
import {
  downstreamResponseHeaders,
  failedBeforeSending,
  type UpstreamOptions,
  upstreamFailure,
  upstreamRequestHeaders,
} from './forward.js';
import { injectClientSecret } from './inject-credentials.js';
import type { LimitGate, UpstreamGuard } from './limits.js';
import { type Matcher, type NormalizedRequest, normalize } from './normalize.js';
import { type ParsedBody, parseBody } from './parse-body.js';
import { readBody } from './read-body.js';
import { asBollardError, REQUEST_ID_HEADER, sendError } from './respond.js';

/** Where audit drafts go. Resolves once the record is durable (write-ahead); rejects if it cannot be. */
export interface AuditSink {
  append(draft: AuditDraft): Promise<unknown>;
}

/** Everything the pipeline needs, injected: no stage reaches for a global. */
export interface GatewayDeps {
  match: Matcher;
  credentials: CredentialCache;
  audit: AuditSink;
  /** A storable summary of a request body: field names, non-secret values, secrets marked present. */
  summarizeBody(body: Record<string, unknown> | undefined, secretFields: readonly string[]): unknown;
  /** A storable form of the query string, secrets marked present. */
  summarizeQuery(query: URLSearchParams): unknown;
  upstream: UpstreamOptions;
  dispatcher: Dispatcher;
  limits?: LimitGate;
  guard?: UpstreamGuard;
  bodyLimitBytes: number;
  logger: Logger;
  now(): number;
}

/** Bollard request ids: `req_` + 20 random base32-ish characters; sortable enough, unguessable. */
export function newRequestId(): string {
  return `req_${randomBytes(12).toString('base64url')}`;
}

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
  };
  try {
    await runPipeline(deps, facts, res);
  } catch (error) {
    const failure = asBollardError(error);
    if (failure.code === 'internal_error')
      deps.logger.error({ err: error, requestId }, 'proxy pipeline failed');
    sendError(res, requestId, failure);
  }
}

async function runPipeline(deps: GatewayDeps, facts: CallFacts, res: ServerResponse): Promise<void> {
  const { req } = facts;
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
  if (!endpoint?.anonymous) {
    const auth = await authenticate(req.headers, deps.credentials, deps.now());
    if (!auth.ok) return deny(deps, facts, res, auth.error, auth.failure, `auth:${auth.failure}`);
    facts.agent = auth.credential.agent;
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

  const decision = authorize(facts.agent, endpoint, deps.now());
  facts.decision = decision;
  if (!decision.allow)
    return deny(
      deps,
      facts,
      res,
      denialError(decision, facts.agent, endpoint),
      decision.reason,
      decision.rule,
    );

  const raw = await readBody(req, deps.bodyLimitBytes).catch((error: unknown) => {
    throw asBollardError(error);
  });
  const body = parseBody(raw, req.headers['content-type']);
  facts.body = body.value;
  if (raw.length > 0) facts.details.body = deps.summarizeBody(body.value, endpoint.requestSecrets);
  if (body.malformed && endpoint.requestSecrets.includes('client_secret')) {
    const error = new BollardError('invalid_request', 'The JSON body does not parse.', {
      reason: 'malformed_body',
    });
    return deny(deps, facts, res, error, 'malformed_body', 'normalize:body');
  }

  if (deps.limits) {
    const limited = await deps.limits.check({
      endpoint,
      params: facts.params,
      query: facts.query!,
      body: body.value,
      agent: facts.agent,
    });
    if (limited) return deny(deps, facts, res, limited.error, limited.reason, limited.rule);
  }
  if (deps.guard) {
    const open = deps.guard.before();
    if (open) return deny(deps, facts, res, open, 'circuit_open', 'upstream:circuit_open');
  }

  const call = callDraft(facts, {
    decision: 'allow',
    reason: decision.reason,
    rule: decision.rule,
    status: null,
  });
  try {
    await deps.audit.append(call);
  } catch (error) {
    deps.logger.error({ err: error, requestId: facts.requestId }, 'audit write failed; call refused');
    throw new BollardError('audit_unavailable');
  }
  await forward(deps, facts, res, call, normalized, raw, body, endpoint);
}

function denialError(decision: Decision, agent: AgentRecord | null, endpoint: CatalogEndpoint): BollardError {
  const name = agent?.name ?? 'anonymous';
  if (decision.reason === 'agent_disabled')
    return new BollardError('unauthorized', `Agent '${name}' is disabled.`, { reason: 'agent_disabled' });
  if (decision.reason === 'agent_expired')
    return new BollardError('unauthorized', `Agent '${name}' has expired.`, { reason: 'agent_expired' });
  return new BollardError(
    'permission_denied',
    `Agent '${name}' may not call ${endpoint.method} ${endpoint.path}: it needs ${decision.permission}.`,
    { agent: name, endpoint: endpoint.id, required_permission: decision.permission },
  );
}

/** Answers a denial and records it as one 'call' record. The answer does not wait on the audit store. */
async function deny(
  deps: GatewayDeps,
  facts: CallFacts,
  res: ServerResponse,
  error: BollardError,
  reason: string,
  rule: string,
): Promise<void> {
  const status = sendError(res, facts.requestId, error);
  try {
    await deps.audit.append(callDraft(facts, { decision: 'deny', reason, rule, status }));
  } catch (failure) {
    deps.logger.error({ err: failure, requestId: facts.requestId, reason }, 'audit write of a denial failed');
  }
}

async function forward(
  deps: GatewayDeps,
  facts: CallFacts,
  res: ServerResponse,
  call: AuditDraft,
  normalized: NormalizedRequest,
  raw: Buffer,
  body: ParsedBody,
  endpoint: CatalogEndpoint,
): Promise<void> {
  const { req } = facts;
  const outgoing = endpoint.anonymous
    ? raw
    : injectClientSecret(raw, body, deps.upstream.apiKey, endpoint.requestSecrets.includes('client_secret'));
  const headers = upstreamRequestHeaders(
    req.headers,
    authorizationFor(endpoint, req, deps.upstream.apiKey),
    outgoing.length,
  );
  const path = normalized.rawQuery ? `${normalized.path}?${normalized.rawQuery}` : normalized.path;
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const sentAt = deps.now();
  let upstream: Dispatcher.ResponseData;
  try {
    upstream = await requestOnce(deps, path, normalized.method, headers, outgoing, abort.signal).catch(
      (error: unknown) => {
        if (!failedBeforeSending(error) || abort.signal.aborted) throw error;
        // Nothing reached WorkOS: one retry, same Idempotency-Key (it is among the forwarded headers).
        return requestOnce(deps, path, normalized.method, headers, outgoing, abort.signal);
      },
    );
  } catch (error) {
    deps.guard?.after(false);
    const failure = upstreamFailure(error);
    sendError(res, facts.requestId, failure);
    record(
      deps,
      outcomeDraft(
        call,
        {
          status: failure.status,
          upstreamStatus: null,
          upstreamRequestId: null,
          upstreamLatencyMs: deps.now() - sentAt,
          bytesOut: 0,
          error: String(failure.fields.reason),
        },
        facts.startedAt,
      ),
    );
    return;
  }
  const upstreamLatencyMs = deps.now() - sentAt;
  deps.guard?.after(upstream.statusCode < 500 || upstream.statusCode === 501);
  const responseHeaders = downstreamResponseHeaders(upstream.headers, facts.requestId);
  if (
    (upstream.statusCode === 429 || upstream.statusCode === 503) &&
    responseHeaders['retry-after'] === undefined &&
    deps.guard
  ) {
    responseHeaders['retry-after'] = String(deps.guard.retryAfterSeconds(upstream.statusCode));
  }
  const upstreamRequestId = headerValue(upstream.headers['x-request-id']);
  let bytesOut = 0;
  res.writeHead(upstream.statusCode, responseHeaders);
  upstream.body.on('data', (chunk: Buffer) => {
    bytesOut += chunk.length;
    if (!res.write(chunk)) upstream.body.pause();
  });
  res.on('drain', () => upstream.body.resume());
  const done = (error?: unknown) => {
    if (error) res.destroy();
    else res.end();
    const status = error ? 502 : upstream.statusCode;
    record(
      deps,
      outcomeDraft(
        call,
        {
          status,
          upstreamStatus: upstream.statusCode,
          upstreamRequestId,
          upstreamLatencyMs,
          bytesOut,
          error: error ? (upstreamFailure(error).fields.reason as string) : undefined,
        },
        facts.startedAt,
      ),
    );
  };
  upstream.body.once('end', () => done());
  upstream.body.once('error', (error) => done(error));
}

function requestOnce(
  deps: GatewayDeps,
  path: string,
  method: string,
  headers: Record<string, string | string[]>,
  body: Buffer,
  signal: AbortSignal,
) {
  return deps.dispatcher.request({
    origin: deps.upstream.url,
    path,
    method: method as Dispatcher.HttpMethod,
    headers,
    body: body.length > 0 ? body : undefined,
    signal,
  });
}

/**
 * The Authorization to send upstream. Keyed endpoints get the WorkOS key. Keyless ones (JWKS, browser
 * redirects, `/sso/profile` with an end user's access token) keep the caller's own bearer — unless it
 * is a Bollard token, which never leaves Bollard.
 */
function authorizationFor(endpoint: CatalogEndpoint, req: IncomingMessage, apiKey: string): string | null {
  if (!endpoint.anonymous) return `Bearer ${apiKey}`;
  const token = bearerToken(req.headers);
  if (token === null || token.startsWith('bol_')) return null;
  return req.headers.authorization ?? null;
}

function record(deps: GatewayDeps, draft: AuditDraft): void {
  deps.audit.append(draft).catch((error: unknown) => {
    deps.logger.error({ err: error, requestId: draft.requestId }, 'audit write of an outcome failed');
  });
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

export { REQUEST_ID_HEADER };
