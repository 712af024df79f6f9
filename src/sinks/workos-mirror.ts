import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import { findByTemplate } from '../catalog/index.js';
import type { GatewayLimiter } from '../ratelimit/index.js';
import type { AuditRecord } from '../store/types.js';
import { retryAfterMs } from './http-sink.js';
import { type AuditSink, SinkDeliveryError, type SinkRecord } from './sink.js';

export const ACTION_ALLOWED = 'bollard.call.allowed';
export const ACTION_DENIED = 'bollard.call.denied';
export const ACTOR_TYPE = 'bollard_agent';
/** The limiter's name for the mirror's own calls: it takes a fair share of the WorkOS budget like an agent. */
export const MIRROR_AGENT = 'bollard-workos-mirror';

/** WorkOS id prefixes and the target type each names, longest prefix first. */
const TARGET_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['directory_user_', 'directory_user'],
  ['directory_group_', 'directory_group'],
  ['directory_', 'directory'],
  ['org_domain_', 'organization_domain'],
  ['org_', 'organization'],
  ['user_', 'user'],
  ['om_', 'organization_membership'],
  ['conn_', 'connection'],
  ['auth_factor_', 'authentication_factor'],
  ['auth_challenge_', 'authentication_challenge'],
  ['invitation_', 'invitation'],
  ['magic_auth_', 'magic_auth'],
  ['role_', 'role'],
  ['audit_log_export_', 'audit_log_export'],
];
/** Every target type an event may carry: the schemas list them all, so WorkOS accepts each event. */
export const TARGET_TYPES = [
  ...new Set(TARGET_PREFIXES.map(([, type]) => type)),
  'workos_object',
  'bollard_endpoint',
];

export interface WorkosMirrorOptions {
  name: string;
  batchSize: number;
  decisions: ReadonlyArray<'allow' | 'deny'>;
  areas?: readonly string[];
  organizationId?: string;
  upstream: { url: string; apiKey: string };
  /**
   * The most requests a second the mirror sends, whatever the limiter would allow (default
   * `DEFAULT_MIRROR_RATE`). WorkOS takes one event per request and at most 6,000 requests a minute per key,
   * so a mirror faster than that only earns 429s; the ceiling also bounds what the mirror costs the box.
   */
  maxEventsPerSecond?: number;
  dispatcher?: Dispatcher;
  /**
   * Bollard's own limiter: answers 0 when a request to WorkOS may go now (and counts it), else how many ms
   * to wait. The mirror's calls count against WorkOS's limits like the agents' do.
   */
  takeBudget?: (body: unknown) => Promise<number>;
  logger?: Logger;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** What WorkOS is told of one agent call, or null when the call is not mirrored. */
export function eventFor(
  record: AuditRecord,
  options: Pick<WorkosMirrorOptions, 'decisions' | 'areas' | 'organizationId'>,
) {
  // A call held for approval is mirrored by its final record, not by the write-ahead `pending_approval` one.
  if (record.kind !== 'call' || record.agentId === null || record.decision === null) return null;
  if (record.decision === 'pending_approval') return null;
  if (!options.decisions.includes(record.decision)) return null;
  if (options.areas && !options.areas.includes(record.area ?? '')) return null;
  const organizationId = record.organizationId ?? options.organizationId;
  if (!organizationId) return null;
  const metadata: Record<string, Json> = { request_id: record.requestId, seq: record.seq };
  for (const [key, value] of [
    ['endpoint', record.endpointId],
    ['method', record.method],
    ['path', record.path?.slice(0, 500) ?? null],
    ['area', record.area],
    ['access', record.access],
    ['permission', record.permission],
    ['reason', record.reason],
    ['rule', record.rule],
  ] as const) {
    if (value !== null) metadata[key] = value;
  }
  // An aggregate of an agent's repeated denials is one event: it says how many calls it stands for.
  const aggregate = (record.details as { aggregate?: Record<string, unknown> } | null)?.aggregate;
  if (typeof aggregate?.count === 'number') {
    metadata.count = aggregate.count;
    if (typeof aggregate.from === 'string') metadata.first_at = aggregate.from;
    if (typeof aggregate.until === 'string') metadata.last_at = aggregate.until;
  }
  const context: Record<string, Json> = { location: record.clientIp ?? '0.0.0.0' };
  if (record.userAgent) context.user_agent = record.userAgent;
  const actor: Record<string, Json> = { type: ACTOR_TYPE, id: record.agentId };
  if (record.agentName) actor.name = record.agentName;
  return {
    organization_id: organizationId,
    event: {
      action: record.decision === 'allow' ? ACTION_ALLOWED : ACTION_DENIED,
      occurred_at: record.time,
      actor,
      targets: targetsOf(record),
      context,
      metadata,
    },
  };
}

/** The WorkOS objects the call touched, typed by their id prefix; the endpoint itself when it named none. */
function targetsOf(record: AuditRecord): Array<{ type: string; id: string }> {
  const ids = [
    ...new Set([...(record.organizationId ? [record.organizationId] : []), ...record.resourceIds]),
  ];
  const targets = ids.map((id) => ({
    type: TARGET_PREFIXES.find(([prefix]) => id.startsWith(prefix))?.[1] ?? 'workos_object',
    id,
  }));
  return targets.length > 0 ? targets : [{ type: 'bollard_endpoint', id: record.endpointId ?? 'unknown' }];
}

/** WorkOS's general limit for one API key (6,000 requests a minute): the mirror's default ceiling. */
export const DEFAULT_MIRROR_RATE = 100;

/** Answers WorkOS will never accept however often they are sent: logged and passed over (the local log keeps the call). */
const PERMANENT = new Set([400, 404, 422]);

/**
 * Mirrors agent calls into WorkOS Audit Logs (`POST /audit_logs/events`), so the Admin Portal and log
 * streams show each agent's activity under its own name: action `bollard.call.allowed|denied`, actor
 * type `bollard_agent`, targets the objects touched, the call's organization. Each event's idempotency key
 * is derived from the record's hash, so a retry or a resend after a crash never makes a second event.
 * Every request passes Bollard's own limiter first. The two schemas are registered once, when absent.
 */
export class WorkosMirror implements AuditSink {
  readonly name: string;
  readonly batchSize: number;
  private schemasReady = false;
  private closed = false;
  /** When the next request may go (epoch ms): requests are spaced `1000 / maxEventsPerSecond` ms apart. */
  private nextSendAt = 0;

  constructor(private readonly options: WorkosMirrorOptions) {
    this.name = options.name;
    this.batchSize = options.batchSize;
  }

  async deliver(records: readonly SinkRecord[]): Promise<number> {
    let through = (records[0] as SinkRecord).seq - 1;
    try {
      for (const { record } of records) {
        const event = eventFor(record, this.options);
        if (event) {
          if (!this.schemasReady) await this.registerSchemas();
          await this.send(event, `bollard-${record.hash.slice(0, 48)}`, record.seq);
        }
        through = record.seq;
      }
      return through;
    } catch (error) {
      if (error instanceof SinkDeliveryError)
        throw new SinkDeliveryError(error.message, { ...error.options, deliveredThrough: through });
      throw new SinkDeliveryError(`WorkOS Audit Logs: ${(error as Error).message}`, {
        deliveredThrough: through,
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async send(event: unknown, idempotencyKey: string, seq: number): Promise<void> {
    const answer = await this.call('POST', '/audit_logs/events', event, idempotencyKey);
    if (answer.status < 300) return;
    if (PERMANENT.has(answer.status)) {
      this.options.logger?.warn(
        { sink: this.name, seq, status: answer.status, answer: answer.text },
        'WorkOS refused a mirrored audit event; it is passed over (the local audit log keeps the call)',
      );
      return;
    }
    throw new SinkDeliveryError(`WorkOS Audit Logs answered ${answer.status}: ${answer.text}`, {
      retryAfterMs: answer.retryAfterMs,
    });
  }

  /** Creates the schema of each action unless WorkOS already has one (so restarts do not add versions). */
  private async registerSchemas(): Promise<void> {
    for (const action of [ACTION_ALLOWED, ACTION_DENIED]) {
      const path = `/audit_logs/actions/${action}/schemas`;
      const listed = await this.call('GET', path);
      if (listed.status === 200 && (JSON.parse(listed.text || '{}') as { data?: unknown[] }).data?.length)
        continue;
      const created = await this.call('POST', path, { targets: TARGET_TYPES.map((type) => ({ type })) });
      if (created.status >= 500 || created.status === 429)
        throw new SinkDeliveryError(`registering the ${action} schema answered ${created.status}`, {
          retryAfterMs: created.retryAfterMs,
        });
      if (created.status >= 300)
        this.options.logger?.warn(
          { sink: this.name, action, status: created.status, answer: created.text },
          'could not register the WorkOS Audit Logs schema; events are sent without it',
        );
    }
    this.schemasReady = true;
  }

  /** One request to WorkOS, after the limiter lets it through (waiting as long as it says). */
  private async call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<{ status: number; text: string; retryAfterMs?: number }> {
    await this.pace();
    await this.waitForBudget(body);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.upstream.apiKey}`,
      'user-agent': 'bollard-workos-mirror',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(new URL(path, this.options.upstream.url), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: this.options.dispatcher,
      });
    } catch (error) {
      throw new SinkDeliveryError(
        `${method} ${path} failed: ${(error as { code?: string }).code ?? (error as Error).name}`,
      );
    }
    const text = (await response.body.text()).slice(0, 2_000);
    return {
      status: response.statusCode,
      text,
      retryAfterMs: retryAfterMs(response.headers['retry-after'], Date.now()),
    };
  }

  /** Spaces requests evenly at the mirror's ceiling: over any second, at most one more than the rate. */
  private async pace(): Promise<void> {
    const interval = 1_000 / (this.options.maxEventsPerSecond ?? DEFAULT_MIRROR_RATE);
    const now = Date.now();
    const at = Math.max(now, this.nextSendAt);
    this.nextSendAt = at + interval;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
    if (this.closed) throw new SinkDeliveryError('closing');
  }

  private async waitForBudget(body: unknown): Promise<void> {
    const { takeBudget } = this.options;
    if (!takeBudget) return;
    for (;;) {
      if (this.closed) throw new SinkDeliveryError('closing');
      const waitMs = await takeBudget(body);
      // Not a number: the sinks are closing and the question was let go unanswered.
      if (!Number.isFinite(waitMs)) throw new SinkDeliveryError('closing');
      if (waitMs <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, waitMs + 5 + Math.random() * 45));
    }
  }
}

/**
 * `takeBudget` from Bollard's limiter: the mirror is one more caller of `POST /audit_logs/events`, with a
 * fair share of its own.
 */
export function budgetFrom(limiter: Pick<GatewayLimiter, 'check'>): (body: unknown) => Promise<number> {
  const endpoint = findByTemplate('POST', '/audit_logs/events');
  return async (body) => {
    if (!endpoint) return 0;
    const decision = await limiter.check({
      endpoint,
      params: {},
      query: new URLSearchParams(),
      body,
      agentId: MIRROR_AGENT,
      agentWeight: 1,
    });
    if (!decision.allow) return decision.retryAfterMs;
    await decision.sent?.();
    return 0;
  };
}
