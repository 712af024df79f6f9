import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import {
  retryAfterFor,
  shouldRetryOnce,
  type UpstreamBreakers,
  UpstreamUnavailableError,
} from '../ratelimit/index.js';
import type { AuditDraft } from '../store/types.js';
import { outcomeDraft } from './audit-entry.js';
import { bearerToken } from './authenticate.js';
import {
  downstreamResponseHeaders,
  type UpstreamOptions,
  upstreamFailure,
  upstreamRequestHeaders,
} from './forward.js';
import { injectClientSecret } from './inject-credentials.js';
import type { CallObservation } from './observe.js';
import type { ParsedBody } from './parse-body.js';
import { sendError } from './respond.js';
import { FILTERED_HEADER, type ShapeRequest, shapeJsonBody, WITHHELD_HEADER } from './shape-response.js';

/** Most of an answer Bollard reads to filter or redact it; a larger one is refused (fail closed). */
const SHAPED_BODY_LIMIT = 16 * 1024 * 1024;

/** What relaying needs from the gateway's dependencies. */
export interface RelayDeps {
  upstream: UpstreamOptions;
  dispatcher: Dispatcher;
  /** One breaker per failure domain (the endpoint's area): every call to WorkOS passes through it. */
  breaker?: Pick<UpstreamBreakers, 'execute'>;
  audit: { append(draft: AuditDraft, options?: { lazy?: boolean }): Promise<unknown> };
  logger: Logger;
  now(): number;
}

/** One allowed call, ready to go upstream. */
export interface RelayCall {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  startedAt: number;
  endpoint: CatalogEndpoint;
  method: string;
  /** Raw path and query exactly as classified. */
  target: string;
  raw: Buffer;
  body: ParsedBody;
  /** The call's write-ahead record; the outcome record copies it. */
  record: AuditDraft;
  /** Tells the rate limiter the call is leaving now. */
  onSend?: () => Promise<void>;
  /** Aborted when the client goes away: the upstream call is abandoned too. */
  signal: AbortSignal;
  /** Times the upstream call, continues the agent's trace, and is told the outcome. */
  observation?: CallObservation;
  /** What to take out of the answer before the agent sees it (pins, redaction); null: stream it as is. */
  shape?: ShapeRequest | null;
}

/**
 * Sends an allowed call to WorkOS with the key injected, streams the answer back unchanged (hop-by-hop
 * headers aside), and records the outcome. Upstream 429/5xx pass back with a Retry-After so the SDK
 * backs off by itself; Bollard retries only a connection that failed before any byte was sent.
 */
export async function relay(deps: RelayDeps, call: RelayCall): Promise<void> {
  const { endpoint, req, res } = call;
  const outgoing = endpoint.anonymous
    ? call.raw
    : injectClientSecret(call.raw, call.body, deps.upstream.apiKey, endpoint.apiKeyField === 'client_secret');
  const headers = upstreamRequestHeaders(
    req.headers,
    authorizationFor(endpoint, req, deps.upstream.apiKey),
    outgoing.length,
  );
  const { signal, observation } = call;
  if (observation?.traceparent) headers.traceparent = observation.traceparent;
  // An answer Bollard must read is asked for unencoded.
  if (call.shape) headers['accept-encoding'] = 'identity';
  await call
    .onSend?.()
    .catch((error: unknown) =>
      deps.logger.warn({ err: error, requestId: call.requestId }, 'rate-limit restamp failed'),
    );
  const sentAt = deps.now();
  const upstreamStarted = observation?.clock() ?? 0;
  const send = () =>
    deps.dispatcher.request({
      origin: deps.upstream.url,
      path: call.target,
      method: call.method as Dispatcher.HttpMethod,
      headers,
      body: outgoing.length > 0 ? outgoing : undefined,
      signal,
    });
  const sendWithOneRetry = () =>
    send().catch((error: unknown) => {
      if (signal.aborted || !shouldRetryOnce(error, 0, { attempt: 1, elapsedMs: deps.now() - sentAt }))
        throw error;
      observation?.retried();
      return send(); // same headers, so the same Idempotency-Key
    });

  let upstream: Dispatcher.ResponseData;
  try {
    upstream = deps.breaker
      ? await deps.breaker.execute(endpoint.area, sendWithOneRetry)
      : await sendWithOneRetry();
    observation?.stage('upstream_call', upstreamStarted);
  } catch (error) {
    observation?.stage('upstream_call', upstreamStarted, true);
    const failure =
      error instanceof UpstreamUnavailableError
        ? new BollardError(
            'upstream_unavailable',
            `WorkOS's ${error.domain ?? endpoint.area} API keeps failing; Bollard is not sending it more calls for now. Other areas are unaffected; retry after ${error.retryAfterSeconds} s.`,
            {
              reason: 'circuit_open',
              domain: error.domain ?? endpoint.area,
              retry_after: error.retryAfterSeconds,
            },
            503,
          )
        : upstreamFailure(error);
    sendError(res, call.requestId, failure);
    recordOutcome(deps, call, {
      status: failure.status,
      upstreamStatus: null,
      upstreamRequestId: null,
      upstreamLatencyMs: deps.now() - sentAt,
      bytesOut: 0,
      error: String(failure.fields.reason),
    });
    return;
  }
  if (call.shape && upstream.statusCode < 300) shapeBack(deps, call, upstream, deps.now() - sentAt);
  else streamBack(deps, call, upstream, deps.now() - sentAt);
}

/**
 * Reads a successful answer whole (bounded), takes out what the agent may not see, and sends the rest
 * with headers saying what was taken out; the outcome record says it too. An answer that cannot be read
 * as JSON, or is too large, is refused rather than passed on unshaped.
 */
function shapeBack(
  deps: RelayDeps,
  call: RelayCall,
  upstream: Dispatcher.ResponseData,
  upstreamLatencyMs: number,
): void {
  const shape = call.shape!;
  const chunks: Buffer[] = [];
  let size = 0;
  const upstreamRequestId = first(upstream.headers['x-request-id']);
  let settled = false;
  const refuse = (reason: string) => {
    if (settled) return;
    settled = true;
    upstream.body.destroy();
    const failure = new BollardError(
      'upstream_unavailable',
      "Bollard could not check the answer against the agent's restrictions, so it is withheld.",
      { reason },
    );
    const status = sendError(call.res, call.requestId, failure);
    recordOutcome(deps, call, {
      status,
      upstreamStatus: upstream.statusCode,
      upstreamRequestId,
      upstreamLatencyMs,
      bytesOut: 0,
      error: reason,
    });
  };
  upstream.body.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > SHAPED_BODY_LIMIT) return refuse('answer_too_large');
    if (!settled) chunks.push(chunk);
  });
  upstream.body.once('error', () => refuse('upstream_read_failed'));
  upstream.body.once('end', () => {
    if (settled) return;
    const raw = Buffer.concat(chunks);
    const shaped = raw.length === 0 ? null : shapeJsonBody(raw, shape);
    if (raw.length > 0 && !shaped) return refuse('answer_not_json');
    settled = true;
    const body = shaped?.body ?? raw;
    const headers = downstreamResponseHeaders(upstream.headers, call.requestId);
    delete headers['content-encoding'];
    delete headers['transfer-encoding'];
    headers['content-length'] = body.length;
    if (shaped && shaped.withheld.length > 0) headers[WITHHELD_HEADER] = shaped.withheld.join(',');
    if (shape.filterItems) headers[FILTERED_HEADER] = String(shaped?.filtered ?? 0);
    call.res.writeHead(upstream.statusCode, headers);
    call.res.end(body);
    recordOutcome(deps, call, {
      status: upstream.statusCode,
      upstreamStatus: upstream.statusCode,
      upstreamRequestId,
      upstreamLatencyMs,
      bytesOut: body.length,
      withheld: shaped?.withheld,
      filtered: shape.filterItems ? (shaped?.filtered ?? 0) : undefined,
    });
  });
}

function streamBack(
  deps: RelayDeps,
  call: RelayCall,
  upstream: Dispatcher.ResponseData,
  upstreamLatencyMs: number,
): void {
  const { res } = call;
  const headers = downstreamResponseHeaders(upstream.headers, call.requestId);
  const retryAfter = retryAfterFor(upstream.statusCode, upstream.headers['retry-after']);
  if (retryAfter !== null) headers['retry-after'] = retryAfter;
  const upstreamRequestId = first(upstream.headers['x-request-id']);
  let bytesOut = 0;
  // A call that creates an organization has no organization id until WorkOS answers: keep the answer's
  // (small) body so the outcome can name it, and `logs --organization` finds the call that created it.
  const created: Buffer[] | null =
    call.endpoint.id === CREATES_ORGANIZATION && upstream.statusCode < 300 ? [] : null;
  res.writeHead(upstream.statusCode, headers);
  upstream.body.on('data', (chunk: Buffer) => {
    bytesOut += chunk.length;
    if (created && bytesOut <= CREATED_BODY_LIMIT) created.push(chunk);
    if (!res.write(chunk)) upstream.body.pause();
  });
  res.on('drain', () => upstream.body.resume());
  const finish = (error?: Error) => {
    if (error) res.destroy();
    else res.end();
    recordOutcome(deps, call, {
      status: error ? 502 : upstream.statusCode,
      upstreamStatus: upstream.statusCode,
      upstreamRequestId,
      upstreamLatencyMs,
      bytesOut,
      error: error ? String(upstreamFailure(error).fields.reason) : undefined,
      organizationId:
        created && !error && bytesOut <= CREATED_BODY_LIMIT ? createdOrganization(created) : null,
    });
  };
  upstream.body.once('end', () => finish());
  upstream.body.once('error', finish);
}

function recordOutcome(deps: RelayDeps, call: RelayCall, result: Parameters<typeof outcomeDraft>[1]): void {
  const record = outcomeDraft(call.record, result, call.startedAt);
  call.observation?.ended(call.record, record);
  deps.audit.append(record, { lazy: true }).catch((error: unknown) => {
    deps.logger.error({ err: error, requestId: call.requestId }, 'audit write of an outcome failed');
  });
}

/**
 * The Authorization to send upstream. Keyed endpoints get the WorkOS key where the agent put its
 * token. Keyless ones (JWKS, browser redirects, `/sso/profile` with an end user's access token) keep
 * the caller's own bearer — unless it is a Bollard token, which never leaves Bollard.
 */
function authorizationFor(endpoint: CatalogEndpoint, req: IncomingMessage, apiKey: string): string | null {
  const token = bearerToken(req.headers);
  // An agent that presented its token only as the body's client_secret gets the key only there,
  // as the SDK would have sent it to WorkOS.
  if (!endpoint.anonymous)
    return token === null && endpoint.apiKeyField === 'client_secret' ? null : `Bearer ${apiKey}`;
  if (token === null || token.startsWith('bol_')) return null;
  return req.headers.authorization ?? null;
}

const CREATES_ORGANIZATION = 'organizations.create';
const CREATED_BODY_LIMIT = 64 * 1024;

/** The id of the organization a successful create answered with, or null. */
function createdOrganization(chunks: Buffer[]): string | null {
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { object?: unknown; id?: unknown };
    return body.object === 'organization' && typeof body.id === 'string' ? body.id.slice(0, 200) : null;
  } catch {
    return null;
  }
}

function first(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}
