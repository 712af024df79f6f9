import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type Dispatcher, errors, util } from 'undici';
import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import { retryAfterFor } from '../ratelimit/index.js';
import type { AuditDraft } from '../store/types.js';
import { outcomeDraft } from './audit-entry.js';
import { downstreamResponseHeaders, upstreamFailure } from './forward.js';
import type { CallObservation } from './observe.js';
import { sendError } from './respond.js';
import { FILTERED_HEADER, type ShapeRequest, shapeJsonBody, WITHHELD_HEADER } from './shape-response.js';

/** Most of an answer Bollard reads to filter or redact it; a larger one is refused (fail closed). */
const SHAPED_BODY_LIMIT = 16 * 1024 * 1024;
const CREATES_ORGANIZATION = 'organizations.create';
const CREATED_BODY_LIMIT = 64 * 1024;

/** What the pipe needs to record an outcome. */
export interface OutcomeDeps {
  audit: { append(draft: AuditDraft, options?: { lazy?: boolean }): Promise<unknown> };
  logger: Logger;
  now(): number;
}

/** The call an answer belongs to. */
export interface AnsweredCall {
  res: ServerResponse;
  requestId: string;
  startedAt: number;
  endpoint: CatalogEndpoint;
  /** The call's write-ahead record; the outcome record copies it. */
  record: AuditDraft;
  observation?: CallObservation;
  /** What to take out of a successful answer before the agent sees it (pins, redaction); null: as is. */
  shape?: ShapeRequest | null;
}

/** The upstream's status line and headers: what the breaker judges an attempt by. */
export interface UpstreamHead {
  statusCode: number;
  headers: Record<string, string | string[]>;
}

/** The client closed the connection before its answer was complete. */
export function clientGone(res: ServerResponse): boolean {
  return res.destroyed && !res.writableFinished;
}

/** Records the outcome of an allowed call (lazily: nothing waits on it) and tells the observer. */
export function recordOutcome(
  deps: OutcomeDeps,
  call: AnsweredCall,
  result: Parameters<typeof outcomeDraft>[1],
): void {
  const record = outcomeDraft(call.record, result, call.startedAt);
  call.observation?.ended(call.record, record);
  deps.audit.append(record, { lazy: true }).catch((error: unknown) => {
    deps.logger.error({ err: error, requestId: call.requestId }, 'audit write of an outcome failed');
  });
}

/**
 * One upstream attempt, as an undici dispatch handler. The head resolves the attempt and is written to
 * the client at once (body chunks may follow in the same tick); the body is written chunk by chunk with
 * backpressure; the end, or a failure after the head, records the outcome. A failure before the head
 * rejects the attempt, so it may be retried or answered as 502/504. A successful answer that must be shaped
 * (pins, redaction) is read whole (bounded), shaped, then sent, or refused if it cannot be read.
 */
export class AnswerPipe implements Dispatcher.DispatchHandler {
  private abort: ((error?: Error) => void) | null = null;
  private resume: (() => void) | null = null;
  private head: UpstreamHead | null = null;
  private upstreamLatencyMs = 0;
  private bytesOut = 0;
  /** A created organization's id is only in the answer: its (small) body is kept for the outcome. */
  private created: Buffer[] | null = null;
  /** The answer being read whole to shape it; null when it streams through. */
  private shaping: Buffer[] | null = null;
  private done = false;

  constructor(
    private readonly deps: OutcomeDeps,
    private readonly call: AnsweredCall,
    private readonly sent: { sentAt: number; upstreamStarted: number },
    private readonly resolve: (head: UpstreamHead) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  onConnect(abort: (error?: Error) => void): void {
    this.abort = abort;
    const { res } = this.call;
    if (clientGone(res)) abort(new errors.RequestAbortedError());
    else res.once('close', this.onClientClose);
  }

  private readonly onClientClose = () => {
    if (!this.call.res.writableFinished) this.abort?.(new errors.RequestAbortedError());
  };

  private readonly onDrain = () => this.resume?.();

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx: informational, the real head follows
    const { call } = this;
    const upstreamHeaders = util.parseHeaders(rawHeaders);
    this.head = { statusCode, headers: upstreamHeaders };
    this.upstreamLatencyMs = this.deps.now() - this.sent.sentAt;
    this.resume = resume;
    call.observation?.stage('upstream_call', this.sent.upstreamStarted);
    if (call.shape && statusCode < 300) {
      this.shaping = [];
      this.resolve(this.head);
      return true;
    }
    const headers = downstreamResponseHeaders(upstreamHeaders, call.requestId);
    const retryAfter = retryAfterFor(statusCode, upstreamHeaders['retry-after']);
    if (retryAfter !== null) headers['retry-after'] = retryAfter;
    if (call.endpoint.id === CREATES_ORGANIZATION && statusCode < 300) this.created = [];
    call.res.writeHead(statusCode, headers);
    call.res.on('drain', this.onDrain);
    this.resolve(this.head);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytesOut += chunk.length;
    if (this.shaping) {
      if (this.bytesOut > SHAPED_BODY_LIMIT) this.refuse('answer_too_large');
      else this.shaping.push(chunk);
      return true;
    }
    if (this.created && this.bytesOut <= CREATED_BODY_LIMIT) this.created.push(chunk);
    return this.call.res.write(chunk);
  }

  onComplete(): void {
    if (this.done) return;
    if (this.shaping) {
      this.sendShaped(this.shaping);
      return;
    }
    this.call.res.end();
    this.finish();
  }

  onError(error: Error): void {
    if (!this.head) {
      this.call.res.off('close', this.onClientClose);
      this.reject(error);
      return;
    }
    if (this.done) return;
    if (this.shaping) {
      this.refuse('upstream_read_failed');
      return;
    }
    this.call.res.destroy();
    this.finish(error);
  }

  /** Sends a successful answer with what the agent may not see taken out, and headers that say so. */
  private sendShaped(chunks: Buffer[]): void {
    const { call } = this;
    const shape = call.shape as ShapeRequest;
    const head = this.head as UpstreamHead;
    const raw = Buffer.concat(chunks);
    const shaped = raw.length === 0 ? null : shapeJsonBody(raw, shape);
    if (raw.length > 0 && !shaped) {
      this.refuse('answer_not_json');
      return;
    }
    const body = shaped?.body ?? raw;
    const headers = downstreamResponseHeaders(head.headers, call.requestId);
    delete headers['content-encoding'];
    delete headers['transfer-encoding'];
    headers['content-length'] = body.length;
    if (shaped && shaped.withheld.length > 0) headers[WITHHELD_HEADER] = shaped.withheld.join(',');
    if (shape.filterItems) headers[FILTERED_HEADER] = String(shaped?.filtered ?? 0);
    call.res.writeHead(head.statusCode, headers);
    call.res.end(body);
    this.bytesOut = body.length;
    this.finish(undefined, {
      withheld: shaped?.withheld,
      filtered: shape.filterItems ? (shaped?.filtered ?? 0) : undefined,
    });
  }

  /** An answer that had to be shaped but could not be read: withheld, never passed on unshaped. */
  private refuse(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.abort?.(new errors.RequestAbortedError());
    const head = this.head as UpstreamHead;
    const failure = new BollardError(
      'upstream_unavailable',
      "Bollard could not check the answer against the agent's restrictions, so it is withheld.",
      { reason },
    );
    const status = sendError(this.call.res, this.call.requestId, failure);
    this.release();
    recordOutcome(this.deps, this.call, {
      status,
      upstreamStatus: head.statusCode,
      upstreamRequestId: first(head.headers['x-request-id']),
      upstreamLatencyMs: this.upstreamLatencyMs,
      bytesOut: 0,
      error: reason,
    });
  }

  private release(): void {
    this.call.res.off('close', this.onClientClose);
    this.call.res.off('drain', this.onDrain);
  }

  private finish(error?: Error, shaped?: { withheld?: string[]; filtered?: number }): void {
    if (this.done) return;
    this.done = true;
    this.release();
    const head = this.head as UpstreamHead;
    const created = this.created;
    recordOutcome(this.deps, this.call, {
      status: error ? 502 : head.statusCode,
      upstreamStatus: head.statusCode,
      upstreamRequestId: first(head.headers['x-request-id']),
      upstreamLatencyMs: this.upstreamLatencyMs,
      bytesOut: this.bytesOut,
      error: error ? String(upstreamFailure(error).fields.reason) : undefined,
      organizationId:
        created && !error && this.bytesOut <= CREATED_BODY_LIMIT ? createdOrganization(created) : null,
      ...shaped,
    });
  }
}

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
