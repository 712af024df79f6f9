import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { auditDraft } from '../audit/draft.js';
import { isWellFormedAgentToken } from '../credentials/agent-token.js';
import { BollardError } from '../errors/index.js';
import type { AuditDraft } from '../store/types.js';
import { bearerToken } from './authenticate.js';
import { aggregateFacts, aggregateRequestId, type DenialWindow, DenialWindows } from './denial-windows.js';

/**
 * Bounds on what callers without a valid agent token can make Bollard do. Anyone who can reach the
 * proxy can send junk; without these, each junk call would cost one audit record, and enough of them
 * would fill the disk until every call gets 503.
 *
 * - **Connections**: past `maxConnections` not-yet-authenticated connections from one source address,
 *   a new connection is on probation: its first call must carry a well-formed agent token, or it gets
 *   429 and the connection is closed; one that sends nothing within `probationMs` is closed. A
 *   connection stops counting once a call on it authenticates, so an agent opening many at once
 *   (a pool of 128) is not held to the cap.
 * - **Failures**: a token bucket of anonymous failures per source address; when it is empty, calls
 *   without a well-formed agent token get 429 before any store work (a caller with a token is still
 *   authenticated, so an agent behind the same address gets through).
 * - **Aggregation**: of each kind of anonymous failure (reason and rule) from one source, the first of
 *   each window is recorded in full; the rest of the window become one record with their `count`,
 *   written when the window ends. Every call is accounted for, in a chained record like any other.
 */
export interface AnonymousTrafficOptions {
  /** Concurrent unauthenticated connections per source address (0: no cap). */
  maxConnections: number;
  /** How long a connection past the cap may wait before its first call. */
  probationMs: number;
  /** Anonymous failures a source may have in a burst before it gets 429 (0: no cap). */
  failureBurst: number;
  /** Anonymous failures per second a source earns back. */
  failuresPerSecond: number;
  /** Length of an aggregation window. */
  windowMs: number;
  /** Where aggregate records go (lazy: nothing waits on them). */
  append(draft: AuditDraft): Promise<unknown>;
  now(): number;
  onError(error: unknown): void;
}

/** Bollard's own refusals: counted like failures, but they do not use up the source's failures. */
const REFUSALS = new Set(['anonymous_failures', 'too_many_connections']);

/** Past this many open windows or buckets, sources share one ('*'): memory stays bounded too. */
const MAX_TRACKED_SOURCES = 10_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** What a window keeps: the denial recorded in full, which its aggregate follows. */
interface FirstDenial {
  first: AuditDraft;
}

export class AnonymousTraffic {
  private readonly connections = new Map<string, number>();
  /** Sockets counted against their source, until they authenticate or close. */
  private readonly counted = new WeakMap<Socket, string>();
  /** Sockets past their source's cap that have not sent a call yet, with the timer that closes them. */
  private readonly probation = new WeakMap<Socket, NodeJS.Timeout>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly windows: DenialWindows<FirstDenial>;

  constructor(private readonly options: AnonymousTrafficOptions) {
    this.windows = new DenialWindows({
      windowMs: options.windowMs,
      inFull: 1,
      maxOpen: MAX_TRACKED_SOURCES,
      aggregate: aggregateDraft,
      append: options.append,
      now: options.now,
      onError: options.onError,
    });
  }

  /** Counts a new connection; past its source's cap, the connection is on probation (see above). */
  admitConnection(socket: Socket): void {
    const source = socket.remoteAddress ?? 'unknown';
    const open = this.connections.get(source) ?? 0;
    this.connections.set(source, open + 1);
    this.counted.set(socket, source);
    socket.once('close', () => this.release(socket));
    if (this.options.maxConnections > 0 && open >= this.options.maxConnections) {
      const timer = setTimeout(() => {
        if (!this.probation.has(socket)) return;
        const draft = connectionDraft(source, this.options.now());
        if (this.recordDenial(draft)) this.windows.write(draft);
        socket.destroy();
      }, this.options.probationMs);
      timer.unref();
      this.probation.set(socket, timer);
    }
  }

  /** A call on this connection authenticated: it no longer counts against its source. */
  trust(socket: Socket): void {
    this.release(socket);
  }

  /** A call to one of Bollard's own routes: on a connection on probation, the connection closes after it. */
  admitLocalCall(req: IncomingMessage, res: ServerResponse): void {
    if (this.endProbation(req.socket)) res.shouldKeepAlive = false;
  }

  /**
   * The 429 for a call that must not go on, or null. No store work: a call from a source out of anonymous
   * failures, or the first call of a connection on probation, without a well-formed agent token (as the
   * bearer, or as the body's `client_secret` where the endpoint takes one).
   */
  refusal(req: IncomingMessage, res: ServerResponse, body?: Record<string, unknown>): BollardError | null {
    const source = req.socket.remoteAddress ?? 'unknown';
    const onProbation = this.endProbation(req.socket);
    const bucket = this.options.failureBurst > 0 ? this.buckets.get(source) : undefined;
    const outOfFailures = bucket !== undefined && this.refill(bucket) < 1;
    if (!onProbation && !outOfFailures) return null;
    // The agent token comes as the bearer, or (older SDKs, on the client_secret endpoints) in the body.
    const bearer = bearerToken(req.headers);
    if (bearer !== null && isWellFormedAgentToken(bearer)) return null;
    const secret = body?.client_secret;
    if (typeof secret === 'string' && isWellFormedAgentToken(secret)) return null;
    if (onProbation) {
      res.shouldKeepAlive = false;
      return new BollardError(
        'rate_limit_exceeded',
        `Too many connections without a valid agent token from ${source}; this one is closed.`,
        { reason: 'too_many_connections', retry_after: 1 },
      );
    }
    const retryAfter = Math.ceil((1 - bucket!.tokens) / this.options.failuresPerSecond);
    return new BollardError(
      'rate_limit_exceeded',
      `Too many failed calls without a valid agent token from ${source}. Retry after ${retryAfter} s.`,
      { reason: 'anonymous_failures', retry_after: retryAfter },
    );
  }

  /**
   * Accounts for a denial of a call without an agent. True when the caller should write `draft` in
   * full; false when it was counted into its window's aggregate record instead.
   */
  recordDenial(draft: AuditDraft): boolean {
    const source = draft.clientIp ?? 'unknown';
    if (this.options.failureBurst > 0 && !REFUSALS.has(draft.reason ?? '')) this.spend(source);
    const window = this.windows.take(
      `${source}\u0000${draft.reason}\u0000${draft.rule}`,
      `*\u0000${draft.reason}\u0000${draft.rule}`,
    );
    if (window.count > 0) return false;
    window.state = { first: draft };
    return true;
  }

  /** Ends every open window now and waits until their aggregates are written (at shutdown, and in tests). */
  flush(): Promise<void> {
    return this.windows.flush();
  }

  /** True when the socket was on probation (its first call has now come). */
  private endProbation(socket: Socket): boolean {
    const timer = this.probation.get(socket);
    if (timer === undefined) return false;
    clearTimeout(timer);
    this.probation.delete(socket);
    return true;
  }

  private release(socket: Socket): void {
    this.endProbation(socket);
    const source = this.counted.get(socket);
    if (source === undefined) return;
    this.counted.delete(socket);
    const open = (this.connections.get(source) ?? 1) - 1;
    if (open > 0) this.connections.set(source, open);
    else this.connections.delete(source);
  }

  private spend(source: string): void {
    let bucket = this.buckets.get(source);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED_SOURCES) this.forgetFullBuckets();
      // Still full: this source goes untracked (no 429 for it); its records are still aggregated.
      if (this.buckets.size >= MAX_TRACKED_SOURCES) return;
      bucket = { tokens: this.options.failureBurst, updatedAt: this.options.now() };
      this.buckets.set(source, bucket);
    }
    this.refill(bucket);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
  }

  private refill(bucket: Bucket): number {
    const now = this.options.now();
    const earned = ((now - bucket.updatedAt) / 1000) * this.options.failuresPerSecond;
    bucket.tokens = Math.min(this.options.failureBurst, bucket.tokens + earned);
    bucket.updatedAt = now;
    return bucket.tokens;
  }

  /** A full bucket says nothing a missing one does not. */
  private forgetFullBuckets(): void {
    for (const [source, bucket] of this.buckets) {
      if (this.refill(bucket) >= this.options.failureBurst) this.buckets.delete(source);
    }
  }
}

/** The record of a window's calls after its first: same kind of failure, same source, with their count. */
function aggregateDraft(window: DenialWindow<FirstDenial>): AuditDraft {
  const { first } = window.state!;
  return auditDraft({
    kind: first.kind,
    time: new Date(window.lastAt).toISOString(),
    requestId: aggregateRequestId(),
    decision: 'deny',
    reason: first.reason,
    rule: first.rule,
    status: first.status,
    clientIp: window.shared ? '*' : (first.clientIp ?? 'unknown'),
    details: { aggregate: aggregateFacts(window, first.time), firstRequestId: first.requestId },
  });
}

/** A connection past the cap closed before its first call has no request; its record says so. */
function connectionDraft(source: string, now: number): AuditDraft {
  return auditDraft({
    kind: 'call',
    time: new Date(now).toISOString(),
    requestId: `con_${randomBytes(12).toString('base64url')}`,
    decision: 'deny',
    reason: 'too_many_connections',
    rule: 'guard:connections',
    clientIp: source,
  });
}
