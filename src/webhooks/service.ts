import type { Actor } from '../agents/index.js';
import { BollardError } from '../errors/index.js';
import type { AgentRecord, AuditDraft, Store } from '../store/types.js';
import type {
  DeliveryQuery,
  WebhookDeliveryRecord,
  WebhookSubscriptionRecord,
} from '../store/webhook-types.js';
import { auditableUrl, webhookAuditDraft } from './audit-draft.js';
import type { BackfillResult } from './backfill.js';
import type { DestinationGuard } from './destination.js';
import { matchesAny, subscriptionProblems } from './event-types.js';
import { newSigningSecret, secretHint, webhookId } from './ids.js';

/** A subscription as the admin API shows it: the secret only ever as a hint. */
export interface SubscriptionView {
  id: string;
  agentId: string;
  agentName: string | null;
  url: string;
  events: string[];
  secretHint: string;
  /** Set during a rotation's grace period: the previous secret is still signed with until then. */
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A delivery with the event type, for listings. */
export interface DeliveryView extends WebhookDeliveryRecord {
  event: string | null;
}

export interface WebhookServiceDeps {
  store: Pick<Store, 'webhooks' | 'getAgent' | 'getAgentByName' | 'listAgents'>;
  audit: { append(draft: AuditDraft): Promise<unknown> };
  now: () => number;
  /** Wakes the delivery worker. */
  kick: () => void;
  backfill: (since?: string) => Promise<BackfillResult>;
  /** Refuses subscription URLs deliveries may never go to (loopback, private ranges, Bollard itself). */
  destinations: Pick<DestinationGuard, 'checkUrl'>;
}

/** Default grace for `rotateSecret`: the previous secret keeps signing for 24 hours. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400; // 24 hours

export type WebhookService = ReturnType<typeof createWebhookService>;

/**
 * Subscriptions, deliveries, replay and backfill: the operations behind the admin API and CLI.
 * @example
 *   const { subscription, secret } = await webhooks.subscribe({ agent: 'provisioner', url, events: ['dsync.*'] }, actor);
 */
export function createWebhookService(deps: WebhookServiceDeps) {
  const { store } = deps;

  async function findAgent(idOrName: string): Promise<AgentRecord> {
    const agent = idOrName.startsWith('agt_')
      ? await store.getAgent(idOrName)
      : await store.getAgentByName(idOrName);
    if (!agent) throw new BollardError('not_found', `no agent '${idOrName}'`);
    return agent;
  }

  async function findSubscription(id: string): Promise<WebhookSubscriptionRecord> {
    const subscription = await store.webhooks.getSubscription(id);
    if (!subscription) throw new BollardError('not_found', `no webhook subscription '${id}'`);
    return subscription;
  }

  function view(subscription: WebhookSubscriptionRecord, agentName: string | null): SubscriptionView {
    const { secret, previousSecret: _previous, ...rest } = subscription;
    const graceOver = !rest.previousSecretExpiresAt || Date.parse(rest.previousSecretExpiresAt) <= deps.now();
    return {
      ...rest,
      agentName,
      secretHint: secretHint(secret),
      previousSecretExpiresAt: graceOver ? null : rest.previousSecretExpiresAt,
    };
  }

  function audit(
    reason: string,
    actor: Actor,
    subscription: WebhookSubscriptionRecord,
    agentName: string | null,
    extra = {},
  ) {
    return deps.audit.append(
      webhookAuditDraft({
        time: new Date(deps.now()).toISOString(),
        requestId: actor.requestId ?? `adm_${subscription.id}`,
        reason,
        rule: `${actor.kind}:${actor.name}`,
        agentId: subscription.agentId,
        agentName,
        resourceIds: [subscription.id],
        clientIp: actor.clientIp ?? null,
        userAgent: actor.userAgent ?? null,
        details: {
          subscriptionId: subscription.id,
          url: auditableUrl(subscription.url),
          events: subscription.events,
          ...extra,
        },
      }),
    );
  }

  return {
    /** Registers an endpoint; refused, naming the missing permission, for events the agent cannot read. */
    async subscribe(
      input: { agent: string; url: string; events: string[] },
      actor: Actor,
    ): Promise<{ subscription: SubscriptionView; secret: string }> {
      deps.destinations.checkUrl(input.url);
      const agent = await findAgent(input.agent);
      const events = [...new Set(input.events)];
      if (events.length === 0) throw new BollardError('validation_failed', 'name at least one event type');
      const problems = subscriptionProblems(agent.grants, events);
      const unknown = problems.find((problem) => problem.reason === 'unknown_event');
      if (unknown) {
        throw new BollardError(
          'validation_failed',
          `'${unknown.pattern}' matches no WorkOS event Bollard knows`,
          {
            errors: [{ path: 'body.events', message: `unknown event type '${unknown.pattern}'` }],
          },
        );
      }
      const missing = [...new Set(problems.flatMap((problem) => problem.permissions))].sort();
      if (missing.length > 0) {
        const patterns = problems.map((problem) => problem.pattern).join(', ');
        throw new BollardError(
          'permission_denied',
          `Agent '${agent.name}' lacks ${missing.join(', ')}, which ${patterns} needs.`,
          { required_permission: missing[0], required_permissions: missing },
        );
      }
      const at = new Date(deps.now()).toISOString();
      const secret = newSigningSecret();
      const subscription: WebhookSubscriptionRecord = {
        id: webhookId('whs'),
        agentId: agent.id,
        url: input.url,
        events,
        secret,
        previousSecret: null,
        previousSecretExpiresAt: null,
        createdAt: at,
        updatedAt: at,
      };
      await store.webhooks.putSubscription(subscription);
      await audit('subscription.created', actor, subscription, agent.name);
      return { subscription: view(subscription, agent.name), secret };
    },

    async list(filter: { agent?: string } = {}): Promise<SubscriptionView[]> {
      const agentId = filter.agent ? (await findAgent(filter.agent)).id : undefined;
      const names = new Map((await store.listAgents()).map((agent) => [agent.id, agent.name]));
      const subscriptions = await store.webhooks.listSubscriptions(agentId);
      return subscriptions.map((subscription) => view(subscription, names.get(subscription.agentId) ?? null));
    },

    async get(id: string): Promise<SubscriptionView> {
      const subscription = await findSubscription(id);
      return view(subscription, (await store.getAgent(subscription.agentId))?.name ?? null);
    },

    async unsubscribe(id: string, actor: Actor): Promise<void> {
      const subscription = await findSubscription(id);
      await store.webhooks.deleteSubscription(id);
      await audit(
        'subscription.deleted',
        actor,
        subscription,
        (await store.getAgent(subscription.agentId))?.name ?? null,
      );
    },

    /** A new secret, shown once; the previous one is still signed with for `graceSeconds` (default 24 h). */
    async rotateSecret(
      id: string,
      options: { graceSeconds?: number },
      actor: Actor,
    ): Promise<{ subscription: SubscriptionView; secret: string }> {
      const before = await findSubscription(id);
      const now = deps.now();
      const graceSeconds = options.graceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
      const secret = newSigningSecret();
      const after: WebhookSubscriptionRecord = {
        ...before,
        secret,
        previousSecret: graceSeconds > 0 ? before.secret : null,
        previousSecretExpiresAt: graceSeconds > 0 ? new Date(now + graceSeconds * 1000).toISOString() : null,
        updatedAt: new Date(now).toISOString(),
      };
      await store.webhooks.putSubscription(after);
      const agentName = (await store.getAgent(after.agentId))?.name ?? null;
      await audit('subscription.secret_rotated', actor, after, agentName, { graceSeconds });
      return { subscription: view(after, agentName), secret };
    },

    async deliveries(query: DeliveryQuery): Promise<DeliveryView[]> {
      const found = await store.webhooks.listDeliveries(query);
      const types = new Map<string, string | null>();
      for (const id of new Set(found.map((delivery) => delivery.eventId))) {
        types.set(id, (await store.webhooks.getEvent(id))?.event ?? null);
      }
      return found.map((delivery) => ({ ...delivery, event: types.get(delivery.eventId) ?? null }));
    },

    /**
     * Sends a stored event again from the first attempt: to one subscription, to an agent's
     * subscriptions whose patterns match it, or (neither given) to every matching subscription.
     * Grants are checked when it is delivered, as always.
     */
    async replay(
      eventId: string,
      target: { agent?: string; subscriptionId?: string },
      actor: Actor,
    ): Promise<{ deliveries: WebhookDeliveryRecord[] }> {
      const event = await store.webhooks.getEvent(eventId);
      if (!event) throw new BollardError('not_found', `no stored event '${eventId}'`);
      let subscriptions: WebhookSubscriptionRecord[];
      if (target.subscriptionId) subscriptions = [await findSubscription(target.subscriptionId)];
      else {
        const agentId = target.agent ? (await findAgent(target.agent)).id : undefined;
        subscriptions = (await store.webhooks.listSubscriptions(agentId)).filter((s) =>
          matchesAny(s.events, event.event),
        );
      }
      if (subscriptions.length === 0) {
        throw new BollardError(
          'not_found',
          `no subscription${target.agent ? ` of '${target.agent}'` : ''} takes ${event.event}`,
        );
      }
      const now = deps.now();
      const deliveries: WebhookDeliveryRecord[] = [];
      for (const subscription of subscriptions) {
        const at = new Date(now).toISOString();
        deliveries.push(
          await store.webhooks.requeueDelivery(event.id, subscription.id, webhookId('whd'), now, at),
        );
        await audit('replay', actor, subscription, null, { eventId: event.id, event: event.event });
      }
      deps.kick();
      return { deliveries };
    },

    backfill(since?: string): Promise<BackfillResult> {
      return deps.backfill(since);
    },
  };
}
