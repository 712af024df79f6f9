import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { auditDraft } from '../audit/draft.js';
import { isWellFormedAgentToken } from '../credentials/agent-token.js';
import { BollardError } from '../errors/index.js';
import type { AuditDraft } from '../store/types.js';
import { bearerToken } from './authenticate.js';

/**
 * Bounds on what callers without a valid agent token can make Bollard do. Anyone who can reach the
 * proxy can send junk; without these, each junk call would cost one audit record, and enough of them
 * would fill the disk until every call gets 503.
 *
 * - **Connections**: at most `maxConnections` not-yet-authenticated connections per source address;
 *   a connection stops counting once a call on it authenticates, so agents are not held to it.
 * - **Failures**: a token bucket of anonymous failures per source address; when it is empty, calls
 *   without a well-formed agent token get 429 before any store work (a caller with a token is still
 *   authenticated, so an agent behind the same address gets through).
 * - **Aggregation**: of each kind of anonymous failure from one source, the first of each window is
 *   recorded in full; the rest of the window become one record with their `count`, written when the
 *   window ends. Every call is accounted for, in a chained record like any other.
 */
export interface AnonymousTrafficOptions {
  /** Concurrent unauthenticated connections per source address (0: no cap). */
  maxConnections: number;
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

/** Past this many open windows or buckets, sources share one ('*'): memory stays bounded too. */
const MAX_TRACKED_SOURCES = 10_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

interface Window {
  /** The source address, or '*' for sources past the tracking limit. */
  source: string;
  first: AuditDraft;
  count: number;
  lastTime: number;
  timer: NodeJS.Timeout;
}

export class AnonymousTraffic {
  private readonly connections = new Map<string, number>();
  /** Sockets counted against their source, until they authenticate or close. */
  private readonly counted = new WeakMap<Socket, string>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly windows = new Map<string, Window>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: AnonymousTrafficOptions) {}

  /** Counts a new connection; false when its source is at the cap (the caller closes it). */
  admitConnection(socket: Socket): boolean {
    const source = socket.remoteAddress ?? 'unknown';
    const open = this.connections.get(source) ?? 0;
    if (this.options.maxConnections > 0 && open >= this.options.maxConnections) {
      const draft = connectionDraft(source, this.options.now());
      if (this.recordDenial(draft)) this.write(draft);
      return false;
    }
    this.connections.set(source, open + 1);
    this.counted.set(socket, source);
    socket.once('close', () => this.release(socket));
    return true;
  }

  /** A call on this connection authenticated: it no longer counts against its source. */
  trust(socket: Socket): void {
    this.release(socket);
  }

  /** The 429 for a call from a source out of anonymous failures, or null to go on. No store work. */
  refusal(req: IncomingMessage): BollardError | null {
    if (this.options.failureBurst === 0) return null;
    const source = req.socket.remoteAddress ?? 'unknown';
    const bucket = this.buckets.get(source);
    if (!bucket || this.refill(bucket) >= 1) return null;
    const token = bearerToken(req.headers);
    if (token !== null && isWellFormedAgentToken(token)) return null;
    const retryAfter = Math.ceil((1 - bucket.tokens) / this.options.failuresPerSecond);
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
    if (this.options.failureBurst > 0 && draft.reason !== 'anonymous_failures') this.spend(source);
    const now = this.options.now();
    const tracked = this.windows.size < MAX_TRACKED_SOURCES ? source : '*';
    const key = `${tracked}\u0000${draft.reason}`;
    const window = this.windows.get(key);
    if (window) {
      window.count++;
      window.lastTime = now;
      return false;
    }
    const timer = setTimeout(() => this.flushWindow(key), this.options.windowMs);
    timer.unref();
    this.windows.set(key, { source: tracked, first: draft, count: 0, lastTime: now, timer });
    return true;
  }

  /** Ends every open window now and waits until their aggregates are written (at shutdown, and in tests). */
  async flush(): Promise<void> {
    for (const [key, window] of this.windows) {
      clearTimeout(window.timer);
      this.flushWindow(key);
    }
    await Promise.all(this.pending);
  }

  private flushWindow(key: string): void {
    const window = this.windows.get(key);
    this.windows.delete(key);
    if (window && window.count > 0) this.write(aggregateDraft(window));
  }

  private write(draft: AuditDraft): void {
    const write = this.options
      .append(draft)
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  private release(socket: Socket): void {
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
function aggregateDraft(window: Window): AuditDraft {
  const { first } = window;
  return auditDraft({
    kind: 'call',
    time: new Date(window.lastTime).toISOString(),
    requestId: `agg_${randomBytes(12).toString('base64url')}`,
    decision: 'deny',
    reason: first.reason,
    rule: first.rule,
    status: first.status,
    clientIp: window.source,
    details: {
      aggregate: { count: window.count, from: first.time, until: new Date(window.lastTime).toISOString() },
      firstRequestId: first.requestId,
    },
  });
}

/** A connection refused at the per-source cap has no request; its record says so. */
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
