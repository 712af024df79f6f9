import type { Row, SqlDialect, SqlSession } from './sql-dialect.js';
import type {
  DeliveryQuery,
  DeliveryStats,
  DeliveryStatus,
  DeliveryUpdate,
  WebhookDeliveryRecord,
  WebhookEventRecord,
  WebhookStore,
  WebhookSubscriptionRecord,
} from './webhook-types.js';

const SUBSCRIPTION_COLUMNS = [
  'id',
  'agent_id',
  'url',
  'events',
  'secret',
  'previous_secret',
  'previous_secret_expires_at',
  'created_at',
  'updated_at',
] as const;

/** PostgreSQL's bigint arrives as a string; SQLite's as a number. */
function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function eventFromRow(row: Row): WebhookEventRecord {
  return {
    id: String(row.id),
    event: String(row.event),
    createdAt: String(row.created_at),
    receivedAt: String(row.received_at),
    source: row.source === 'backfill' ? 'backfill' : 'webhook',
    body: String(row.body),
    fannedOut: Number(row.fanned_out) === 1,
  };
}

function subscriptionFromRow(row: Row): WebhookSubscriptionRecord {
  return {
    id: String(row.id),
    agentId: String(row.agent_id),
    url: String(row.url),
    events: JSON.parse(String(row.events)) as string[],
    secret: String(row.secret),
    previousSecret: textOrNull(row.previous_secret),
    previousSecretExpiresAt: textOrNull(row.previous_secret_expires_at),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

function deliveryFromRow(row: Row): WebhookDeliveryRecord {
  return {
    id: String(row.id),
    eventId: String(row.event_id),
    subscriptionId: String(row.subscription_id),
    status: String(row.status) as WebhookDeliveryRecord['status'],
    attempts: Number(row.attempts),
    nextAttemptAt: numberOrNull(row.next_attempt_at),
    lastAttemptAt: textOrNull(row.last_attempt_at),
    lastStatus: numberOrNull(row.last_status),
    lastError: textOrNull(row.last_error),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

/**
 * `WebhookStore` in portable SQL over a `SqlDialect`. Claiming uses a lease column and a
 * compare-and-set UPDATE rather than `FOR UPDATE SKIP LOCKED`: SQLite has no row locks, and in
 * PostgreSQL a second replica's UPDATE waits for the first's row lock and then re-checks the
 * lease condition against the committed row, so it skips what the first just took.
 */
export class SqlWebhookStore implements WebhookStore {
  constructor(private readonly dialect: SqlDialect) {}

  private p(n: number): string {
    return this.dialect.placeholder(n);
  }

  async insertEvent(event: WebhookEventRecord): Promise<boolean> {
    const values = [
      event.id,
      event.event,
      event.createdAt,
      event.receivedAt,
      event.source,
      event.body,
      event.fannedOut ? 1 : 0,
    ];
    const changed = await this.write((s) =>
      s.execute(
        `INSERT INTO webhook_events (id, event, created_at, received_at, source, body, fanned_out)
          VALUES (${values.map((_, i) => this.p(i + 1)).join(', ')}) ON CONFLICT (id) DO NOTHING`,
        values,
      ),
    );
    return changed > 0;
  }

  async getEvent(id: string): Promise<WebhookEventRecord | null> {
    const rows = await this.dialect.read((s) =>
      s.query(`SELECT * FROM webhook_events WHERE id = ${this.p(1)}`, [id]),
    );
    return rows[0] ? eventFromRow(rows[0]) : null;
  }

  async listUnfannedEvents(limit: number): Promise<WebhookEventRecord[]> {
    const rows = await this.dialect.read((s) =>
      s.query(
        `SELECT * FROM webhook_events WHERE fanned_out = 0 ORDER BY received_at, id LIMIT ${Math.max(1, Math.floor(limit))}`,
      ),
    );
    return rows.map(eventFromRow);
  }

  async fanOut(
    eventId: string,
    deliveries: Array<{ id: string; subscriptionId: string }>,
    dueAt: number,
    at: string,
  ): Promise<void> {
    await this.write(async (s) => {
      // Subscriptions removed since the caller listed them are left out rather than failing the batch.
      const wanted = deliveries.map((d) => d.subscriptionId);
      const existing = new Set(
        wanted.length === 0
          ? []
          : (
              await s.query(
                `SELECT id FROM webhook_subscriptions WHERE id IN (${wanted.map((_, i) => this.p(i + 1)).join(', ')})`,
                wanted,
              )
            ).map((row) => String(row.id)),
      );
      for (const delivery of deliveries.filter((d) => existing.has(d.subscriptionId))) {
        await s.execute(
          `INSERT INTO webhook_deliveries (id, event_id, subscription_id, status, attempts, next_attempt_at, created_at, updated_at)
            VALUES (${this.p(1)}, ${this.p(2)}, ${this.p(3)}, 'pending', 0, ${this.p(4)}, ${this.p(5)}, ${this.p(6)})
            ON CONFLICT (event_id, subscription_id) DO NOTHING`,
          [delivery.id, eventId, delivery.subscriptionId, dueAt, at, at],
        );
      }
      await s.execute(`UPDATE webhook_events SET fanned_out = 1 WHERE id = ${this.p(1)}`, [eventId]);
    });
  }

  async putSubscription(subscription: WebhookSubscriptionRecord): Promise<void> {
    const values = [
      subscription.id,
      subscription.agentId,
      subscription.url,
      JSON.stringify(subscription.events),
      subscription.secret,
      subscription.previousSecret,
      subscription.previousSecretExpiresAt,
      subscription.createdAt,
      subscription.updatedAt,
    ];
    const updates = SUBSCRIPTION_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`);
    await this.write((s) =>
      s.execute(
        `INSERT INTO webhook_subscriptions (${SUBSCRIPTION_COLUMNS.join(', ')})
          VALUES (${values.map((_, i) => this.p(i + 1)).join(', ')})
          ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')}`,
        values,
      ),
    );
  }

  async getSubscription(id: string): Promise<WebhookSubscriptionRecord | null> {
    const rows = await this.dialect.read((s) =>
      s.query(`SELECT * FROM webhook_subscriptions WHERE id = ${this.p(1)}`, [id]),
    );
    return rows[0] ? subscriptionFromRow(rows[0]) : null;
  }

  async listSubscriptions(agentId?: string): Promise<WebhookSubscriptionRecord[]> {
    const rows = await this.dialect.read((s) =>
      agentId === undefined
        ? s.query('SELECT * FROM webhook_subscriptions ORDER BY created_at, id')
        : s.query(
            `SELECT * FROM webhook_subscriptions WHERE agent_id = ${this.p(1)} ORDER BY created_at, id`,
            [agentId],
          ),
    );
    return rows.map(subscriptionFromRow);
  }

  async deleteSubscription(id: string): Promise<boolean> {
    const changed = await this.write(async (s) => {
      // Explicit, not only ON DELETE CASCADE: SQLite enforces it only with foreign_keys on.
      await s.execute(`DELETE FROM webhook_deliveries WHERE subscription_id = ${this.p(1)}`, [id]);
      return s.execute(`DELETE FROM webhook_subscriptions WHERE id = ${this.p(1)}`, [id]);
    });
    return changed > 0;
  }

  async claimDeliveries(claim: {
    owner: string;
    now: number;
    leaseMs: number;
    limit: number;
  }): Promise<WebhookDeliveryRecord[]> {
    const free = (a: number) => `status = 'pending' AND (lease_until IS NULL OR lease_until <= ${this.p(a)})`;
    const limit = Math.max(1, Math.floor(claim.limit));
    const rows = await this.write((s) =>
      s.query(
        `UPDATE webhook_deliveries SET lease_owner = ${this.p(1)}, lease_until = ${this.p(2)}
          WHERE id IN (SELECT id FROM webhook_deliveries
              WHERE ${free(3)} AND next_attempt_at <= ${this.p(4)}
              ORDER BY next_attempt_at, id LIMIT ${limit})
            AND ${free(5)}
          RETURNING *`,
        [claim.owner, claim.now + claim.leaseMs, claim.now, claim.now, claim.now],
      ),
    );
    return rows.map(deliveryFromRow).sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0));
  }

  async finishAttempt(id: string, owner: string, update: DeliveryUpdate): Promise<boolean> {
    const values = [
      update.status,
      update.attempts,
      update.nextAttemptAt,
      update.lastAttemptAt,
      update.lastStatus,
      update.lastError,
      update.lastAttemptAt,
      id,
      owner,
    ];
    const changed = await this.write((s) =>
      s.execute(
        `UPDATE webhook_deliveries SET status = ${this.p(1)}, attempts = ${this.p(2)}, next_attempt_at = ${this.p(3)},
            last_attempt_at = ${this.p(4)}, last_status = ${this.p(5)}, last_error = ${this.p(6)},
            updated_at = ${this.p(7)}, lease_owner = NULL, lease_until = NULL
          WHERE id = ${this.p(8)} AND lease_owner = ${this.p(9)}`,
        values,
      ),
    );
    return changed > 0;
  }

  async nextDueAt(): Promise<number | null> {
    const rows = await this.dialect.read((s) =>
      s.query("SELECT MIN(next_attempt_at) AS due FROM webhook_deliveries WHERE status = 'pending'"),
    );
    return numberOrNull(rows[0]?.due);
  }

  async requeueDelivery(
    eventId: string,
    subscriptionId: string,
    newId: string,
    dueAt: number,
    at: string,
  ): Promise<WebhookDeliveryRecord> {
    const rows = await this.write(async (s) => {
      await s.execute(
        `INSERT INTO webhook_deliveries (id, event_id, subscription_id, status, attempts, next_attempt_at, created_at, updated_at)
          VALUES (${this.p(1)}, ${this.p(2)}, ${this.p(3)}, 'pending', 0, ${this.p(4)}, ${this.p(5)}, ${this.p(6)})
          ON CONFLICT (event_id, subscription_id) DO UPDATE SET status = 'pending', attempts = 0,
            next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at,
            lease_owner = NULL, lease_until = NULL`,
        [newId, eventId, subscriptionId, dueAt, at, at],
      );
      return s.query(
        `SELECT * FROM webhook_deliveries WHERE event_id = ${this.p(1)} AND subscription_id = ${this.p(2)}`,
        [eventId, subscriptionId],
      );
    });
    const row = rows[0];
    if (!row) throw new Error('the requeued delivery is missing');
    return deliveryFromRow(row);
  }

  async deliveryStats(): Promise<DeliveryStats> {
    const rows = await this.dialect.read((s) =>
      s.query(
        'SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest FROM webhook_deliveries GROUP BY status',
      ),
    );
    const stats: DeliveryStats = { counts: {}, oldestPendingAt: null };
    for (const row of rows) {
      const status = String(row.status) as DeliveryStatus;
      stats.counts[status] = Number(row.n);
      if (status === 'pending') stats.oldestPendingAt = textOrNull(row.oldest);
    }
    return stats;
  }

  async listDeliveries(query: DeliveryQuery): Promise<WebhookDeliveryRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const filters: Array<[string, unknown]> = [
      ['status', query.status],
      ['event_id', query.eventId],
      ['subscription_id', query.subscriptionId],
    ];
    for (const [column, value] of filters) {
      if (value === undefined) continue;
      params.push(value);
      where.push(`${column} = ${this.p(params.length)}`);
    }
    const limit = Math.min(1000, Math.max(1, Math.floor(query.limit ?? 100)));
    const rows = await this.dialect.read((s) =>
      s.query(
        `SELECT * FROM webhook_deliveries ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY updated_at DESC, id DESC LIMIT ${limit}`,
        params,
      ),
    );
    return rows.map(deliveryFromRow);
  }

  private async write<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    try {
      return await this.dialect.transaction(work);
    } catch (error) {
      throw this.dialect.translateError(error);
    }
  }
}
