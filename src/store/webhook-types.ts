/**
 * The webhook part of the store: WorkOS events received (the inbox), agents' subscriptions, and
 * the outbox of deliveries with their retry state. Kept apart from the agents/audit surface so
 * each part stays small; both SQL backends implement it through one core (`SqlWebhookStore`).
 */

/** One WorkOS event, stored once by id whichever way it arrived. */
export interface WebhookEventRecord {
  /** WorkOS's event id (`event_…`): the deduplication key. */
  id: string;
  /** Event type (`dsync.user.created`). */
  event: string;
  /** The event's own `created_at`. */
  createdAt: string;
  /** When Bollard stored it. */
  receivedAt: string;
  /** `webhook` (signed POST from WorkOS), `backfill` (Events API). */
  source: 'webhook' | 'backfill';
  /** The JSON exactly as received: deliveries send these bytes, so agents' signatures verify. */
  body: string;
  /** True once deliveries were created for the subscriptions that matched. */
  fannedOut: boolean;
}

/** An agent's endpoint and the event types it wants. */
export interface WebhookSubscriptionRecord {
  /** `whs_…` */
  id: string;
  agentId: string;
  url: string;
  /** Patterns as given (`dsync.*`, `user.created`). */
  events: string[];
  /** The signing secret (`whsec_…`). Stored because Bollard must sign with it; never logged. */
  secret: string;
  /** The secret before the last rotation, still signed with until `previousSecretExpiresAt`. */
  previousSecret: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead' | 'denied';

/** One event on its way to one subscription. */
export interface WebhookDeliveryRecord {
  /** `whd_…` */
  id: string;
  eventId: string;
  subscriptionId: string;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due (ms since the epoch); null once final. */
  nextAttemptAt: number | null;
  lastAttemptAt: string | null;
  /** The receiver's HTTP status at the last attempt (null: no answer). */
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The outcome of one attempt, written only by the worker holding the delivery's lease. */
export interface DeliveryUpdate {
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
}

export interface DeliveryQuery {
  status?: DeliveryStatus;
  eventId?: string;
  subscriptionId?: string;
  /** Default 100, max 1000. Newest first. */
  limit?: number;
}

/**
 * @example
 *   if (await store.webhooks.insertEvent(event)) worker.kick();      // false: a duplicate
 *   const due = await store.webhooks.claimDeliveries({ owner, now: Date.now(), leaseMs: 60_000, limit: 10 });
 */
export interface WebhookStore {
  /** Stores the event unless one with its id exists; true when it was new. */
  insertEvent(event: WebhookEventRecord): Promise<boolean>;
  getEvent(id: string): Promise<WebhookEventRecord | null>;
  /** Events not yet fanned out, oldest first. */
  listUnfannedEvents(limit: number): Promise<WebhookEventRecord[]>;
  /**
   * In one transaction: a pending delivery, due at `dueAt`, for each subscription that has none for
   * this event yet, and the event marked fanned out. Idempotent: replicas may race on it.
   */
  fanOut(
    eventId: string,
    deliveries: Array<{ id: string; subscriptionId: string }>,
    dueAt: number,
    at: string,
  ): Promise<void>;

  putSubscription(subscription: WebhookSubscriptionRecord): Promise<void>;
  getSubscription(id: string): Promise<WebhookSubscriptionRecord | null>;
  listSubscriptions(agentId?: string): Promise<WebhookSubscriptionRecord[]>;
  /** Removes the subscription and its deliveries; false when there was none. */
  deleteSubscription(id: string): Promise<boolean>;

  /**
   * Leases up to `limit` pending deliveries due by `now` to `owner` until `now + leaseMs`. A
   * delivery leased to one worker is not handed to another until its lease runs out (a crashed
   * worker's deliveries come back then), so replicas never attempt the same one at once.
   */
  claimDeliveries(claim: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<WebhookDeliveryRecord[]>;
  /** Records an attempt and releases the lease; false when the lease was lost to another worker. */
  finishAttempt(id: string, owner: string, update: DeliveryUpdate): Promise<boolean>;
  /** The earliest `nextAttemptAt` of a pending delivery, or null. */
  nextDueAt(): Promise<number | null>;
  /** Queues the event for the subscription again from the first attempt (replay); returns the delivery. */
  requeueDelivery(
    eventId: string,
    subscriptionId: string,
    newId: string,
    dueAt: number,
    at: string,
  ): Promise<WebhookDeliveryRecord>;
  listDeliveries(query: DeliveryQuery): Promise<WebhookDeliveryRecord[]>;
  /** Deliveries per status and when the oldest pending one was created (one grouped query, for metrics). */
  deliveryStats(): Promise<DeliveryStats>;
}

export interface DeliveryStats {
  counts: Partial<Record<DeliveryStatus, number>>;
  /** `createdAt` (ISO-8601) of the oldest pending delivery, or null when none is pending. */
  oldestPendingAt: string | null;
}
