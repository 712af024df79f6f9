import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import { shouldRetryOnce, type UpstreamBreakers, UpstreamUnavailableError } from '../ratelimit/index.js';
import type { AuditDraft } from '../store/types.js';
import { AnswerPipe, clientGone, recordOutcome, type UpstreamHead } from './answer-pipe.js';
import { bearerToken } from './authenticate.js';
import { type UpstreamOptions, upstreamFailure, upstreamRequestHeaders } from './forward.js';
import { injectClientSecret } from './inject-credentials.js';
import type { CallObservation } from './observe.js';
import type { ParsedBody } from './parse-body.js';
import { sendError } from './respond.js';
import type { ShapeRequest } from './shape-response.js';

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
  /** Times the upstream call, continues the agent's trace, and is told the outcome. */
  observation?: CallObservation;
  /** What to take out of the answer before the agent sees it (pins, redaction); null: stream it as is. */
  shape?: ShapeRequest | null;
}

/**
 * Sends an allowed call to WorkOS with the key injected, streams the answer back unchanged (hop-by-hop
 * headers aside), and records the outcome. Upstream 429/5xx pass back with a Retry-After so the SDK
 * backs off by itself; Bollard retries only a connection that failed before any byte was sent.
 * The answer is written straight from undici's callbacks into the response (no intermediate stream);
 * a client that goes away aborts the upstream call.
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
  const { observation } = call;
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
  const options: Dispatcher.DispatchOptions = {
    origin: deps.upstream.url,
    path: call.target,
    method: call.method as Dispatcher.HttpMethod,
    headers,
    body: outgoing.length > 0 ? outgoing : undefined,
  };
  const send = () =>
    new Promise<UpstreamHead>((resolve, reject) => {
      deps.dispatcher.dispatch(
        options,
        new AnswerPipe(deps, call, { sentAt, upstreamStarted }, resolve, reject),
      );
    });
  const sendWithOneRetry = () =>
    send().catch((error: unknown) => {
      if (clientGone(res) || !shouldRetryOnce(error, 0, { attempt: 1, elapsedMs: deps.now() - sentAt }))
        throw error;
      observation?.retried();
      return send(); // same headers, so the same Idempotency-Key
    });

  try {
    // The stage ends in the pipe, at the head: the whole answer may be written before this resumes.
    await (deps.breaker ? deps.breaker.execute(endpoint.area, sendWithOneRetry) : sendWithOneRetry());
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
  }
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
