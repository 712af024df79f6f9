import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { shapeValue } from '../gateway/shape-response.js';
import { grantsAllow } from '../policy/index.js';
import { pinFor, withheldPaths } from '../policy/restrictions.js';
import type { AgentRecord, AuditDraft, Store } from '../store/types.js';
import type { WebhookDeliveryRecord, WebhookSubscriptionRecord } from '../store/webhook-types.js';
import { auditableUrl, webhookAuditDraft } from './audit-draft.js';
import { postDelivery } from './deliver.js';
import { eventArea, matchesAny } from './event-types.js';
import { webhookId } from './ids.js';
import { afterFailure } from './schedule.js';

export interface DeliveryWorkerOptions {
  store: Pick<Store, 'webhooks' | 'getAgent'>;
  audit: { append(draft: AuditDraft): Promise<unknown> };
  logger: Logger;
  now: () => number;
  /** Waits before each attempt (`DEFAULT_RETRY_SCHEDULE_MS`). */
  schedule: readonly number[];
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Longest sleep between looks at the outbox: picks up other replicas' events and due retries. */
  pollMs: number;
  /** Deliveries attempted at once. */
  batchSize?: number;
  /** Connections to receivers, each to a checked address (`createDeliveryDispatcher`). */
  dispatcher: Dispatcher;
}

/** Signs with the current secret, and during a rotation's grace also with the previous one (second). */
export function signingSecrets(subscription: WebhookSubscriptionRecord, now: number): string[] {
  const { previousSecret, previousSecretExpiresAt } = subscription;
  const graceLeft = previousSecret && previousSecretExpiresAt && Date.parse(previousSecretExpiresAt) > now;
  return graceLeft ? [subscription.secret, previousSecret] : [subscription.secret];
}

/** Why an agent may not receive an event now, or null when it may. Checked at every attempt. */
function refusal(agent: AgentRecord | null, permission: string | null, now: number): string | null {
  if (!agent) return 'agent_missing';
  if (!agent.enabled) return 'agent_disabled';
  if (agent.expiresAt && Date.parse(agent.expiresAt) <= now) return 'agent_expired';
  if (!permission) return 'unknown_event';
  return grantsAllow(agent.grants, permission) ? null : 'missing_permission';
}

/**
 * What an agent's restrictions make of one event: refused when its organization is outside the agent's pin
 * (or the event names none: fail closed), otherwise the body with the grant's redacted paths taken out of
 * `data`. The same pins and paths as the agent's calls.
 */
export function scopeEvent(
  agent: Pick<AgentRecord, 'restrictions'>,
  area: string,
  body: string,
): { body: string; withheld: string[]; refusal?: string; rule?: string } {
  const { restrictions } = agent;
  if (!restrictions) return { body, withheld: [] };
  let parsed: { data?: unknown };
  try {
    parsed = JSON.parse(body) as { data?: unknown };
  } catch {
    return { body, withheld: [], refusal: 'unreadable_event' };
  }
  const pin = pinFor(restrictions, area);
  if (pin) {
    const data = parsed.data as Record<string, unknown> | undefined;
    const org = typeof data?.organization_id === 'string' ? data.organization_id : null;
    if (!org || !pin.organizations.includes(org))
      return { body, withheld: [], refusal: 'organization_not_allowed', rule: pin.rule };
  }
  const withhold = withheldPaths(restrictions, area, []);
  if (withhold.length === 0) return { body, withheld: [] };
  const shaped = shapeValue(parsed.data, { filterItems: null, withhold });
  return { body: JSON.stringify(parsed), withheld: shaped.withheld };
}

/**
 * Drains the outbox: fans newly stored events out to the subscriptions whose patterns match, then
 * attempts the deliveries that are due, each under a lease so replicas never attempt one twice.
 * Grants are checked at each attempt, so a grant taken away stops the very next delivery.
 */
export class DeliveryWorker {
  private readonly owner = `wkr_${randomUUID()}`;
  private readonly leaseMs: number;
  private running: Promise<void> | null = null;
  private closed = false;
  private kicked = false;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: DeliveryWorkerOptions) {
    // Longer than any attempt can take, so a live worker never loses a lease mid-attempt.
    this.leaseMs = options.timeoutMs + 30_000;
  }

  start(): void {
    if (!this.running && !this.closed) this.running = this.loop();
  }

  /** Looks at the outbox now (a new event was stored or a delivery queued). */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Stops after the attempts in flight; their results are recorded. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.running;
  }

  /** One pass: fan out, then attempt what is due. Returns how much it did. */
  async runOnce(): Promise<number> {
    const fanned = await this.fanOutPending();
    const due = await this.options.store.webhooks.claimDeliveries({
      owner: this.owner,
      now: this.options.now(),
      leaseMs: this.leaseMs,
      limit: this.options.batchSize ?? 16,
    });
    await Promise.all(due.map((delivery) => this.attempt(delivery)));
    return fanned + due.length;
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      this.kicked = false;
      let worked = 0;
      try {
        worked = await this.runOnce();
      } catch (error) {
        this.options.logger.error({ err: error }, 'webhook delivery pass failed');
      }
      if (this.closed) return;
      if (worked > 0 || this.kicked) continue;
      await this.sleep(await this.idleDelay());
    }
  }

  private async idleDelay(): Promise<number> {
    const due = await this.options.store.webhooks.nextDueAt().catch(() => null);
    const untilDue = due === null ? this.options.pollMs : due - this.options.now();
    return Math.max(0, Math.min(this.options.pollMs, untilDue));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.wake = null;
        resolve();
      };
      this.wake = done;
      this.timer = setTimeout(done, ms);
      if (this.kicked || this.closed) done();
    });
  }

  private async fanOutPending(): Promise<number> {
    const { webhooks } = this.options.store;
    const events = await webhooks.listUnfannedEvents(100);
    if (events.length === 0) return 0;
    const subscriptions = await webhooks.listSubscriptions();
    const now = this.options.now();
    for (const event of events) {
      const targets = subscriptions
        .filter((subscription) => matchesAny(subscription.events, event.event))
        .map((subscription) => ({ id: webhookId('whd'), subscriptionId: subscription.id }));
      await webhooks.fanOut(event.id, targets, now, new Date(now).toISOString());
    }
    return events.length;
  }

  private async attempt(delivery: WebhookDeliveryRecord): Promise<void> {
    const { store, now } = this.options;
    const [event, subscription] = await Promise.all([
      store.webhooks.getEvent(delivery.eventId),
      store.webhooks.getSubscription(delivery.subscriptionId),
    ]);
    if (!event || !subscription) return;
    const agent = await store.getAgent(subscription.agentId);
    const area = eventArea(event.event);
    const permission = area ? `${area}:read` : null;
    const base = {
      requestId: delivery.id,
      agentId: subscription.agentId,
      agentName: agent?.name ?? null,
      area,
      access: area ? ('read' as const) : null,
      permission,
      method: 'POST',
      path: auditableUrl(subscription.url),
      resourceIds: [event.id],
    };
    const details = {
      eventId: event.id,
      event: event.event,
      deliveryId: delivery.id,
      subscriptionId: subscription.id,
      url: auditableUrl(subscription.url),
    };
    const at = now();
    const scoped = agent && area ? scopeEvent(agent, area, event.body) : { body: event.body, withheld: [] };
    const denied = refusal(agent, permission, at) ?? scoped.refusal ?? null;
    if (denied) {
      await this.finish(delivery, {
        status: 'denied',
        attempts: delivery.attempts,
        nextAttemptAt: null,
        at,
        lastStatus: null,
        lastError: denied,
      });
      await this.record({ ...base, decision: 'deny', reason: denied, rule: scoped.rule, details });
      return;
    }
    const response = await postDelivery({
      withheld: scoped.withheld,
      url: subscription.url,
      body: scoped.body,
      secrets: signingSecrets(subscription, at),
      timeoutMs: this.options.timeoutMs,
      deliveryId: delivery.id,
      eventId: event.id,
      now,
      dispatcher: this.options.dispatcher,
    });
    const attempts = delivery.attempts + 1;
    const ok = response.status !== null && response.status >= 200 && response.status < 300;
    const next = ok
      ? { status: 'delivered' as const, nextAttemptAt: null }
      : afterFailure(this.options.schedule, attempts, now());
    await this.finish(delivery, {
      ...next,
      attempts,
      at: now(),
      lastStatus: response.status,
      lastError: response.error,
    });
    await this.record({
      ...base,
      decision: 'allow',
      reason: ok ? 'delivered' : next.status === 'dead' ? 'dead' : 'failed',
      rule: `attempt:${attempts}`,
      upstreamStatus: response.status,
      upstreamLatencyMs: response.latencyMs,
      bytesOut: Buffer.byteLength(event.body),
      details: {
        ...details,
        attempt: attempts,
        error: response.error,
        nextAttemptAt: next.nextAttemptAt,
        ...(scoped.withheld.length > 0 ? { withheld: scoped.withheld } : {}),
      },
    });
  }

  private async finish(
    delivery: WebhookDeliveryRecord,
    update: {
      status: WebhookDeliveryRecord['status'];
      attempts: number;
      nextAttemptAt: number | null;
      at: number;
      lastStatus: number | null;
      lastError: string | null;
    },
  ): Promise<void> {
    const { at, ...rest } = update;
    const kept = await this.options.store.webhooks.finishAttempt(delivery.id, this.owner, {
      ...rest,
      lastAttemptAt: new Date(at).toISOString(),
    });
    if (!kept)
      this.options.logger.warn(
        { deliveryId: delivery.id },
        'webhook delivery lease lost; another worker owns it',
      );
  }

  /** One record per attempt; its request id is the delivery's, so all attempts of one delivery list together. */
  private record(fields: Partial<AuditDraft> & { reason: string; requestId: string }): Promise<unknown> {
    return this.options.audit.append(
      webhookAuditDraft({ time: new Date(this.options.now()).toISOString(), ...fields }),
    );
  }
}
