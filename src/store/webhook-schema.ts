import type { ColumnTypes, Migration } from './sql-dialect.js';

/** Webhook inbox, subscriptions and outbox (version 2). Appended to `buildMigrations`, never edited. */
export function webhookMigrations(t: ColumnTypes): Migration[] {
  return [
    {
      version: 2,
      name: 'webhook events, subscriptions, deliveries',
      statements: [
        `CREATE TABLE webhook_events (
          id ${t.text} PRIMARY KEY,
          event ${t.text} NOT NULL,
          created_at ${t.text} NOT NULL,
          received_at ${t.text} NOT NULL,
          source ${t.text} NOT NULL,
          body ${t.text} NOT NULL,
          fanned_out ${t.integer} NOT NULL
        )`,
        'CREATE INDEX webhook_events_unfanned ON webhook_events (fanned_out, received_at)',
        `CREATE TABLE webhook_subscriptions (
          id ${t.text} PRIMARY KEY,
          agent_id ${t.text} NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
          url ${t.text} NOT NULL,
          events ${t.text} NOT NULL,
          secret ${t.text} NOT NULL,
          previous_secret ${t.text},
          previous_secret_expires_at ${t.text},
          created_at ${t.text} NOT NULL,
          updated_at ${t.text} NOT NULL
        )`,
        'CREATE INDEX webhook_subscriptions_agent ON webhook_subscriptions (agent_id)',
        // Times that drive scheduling are integers (ms): compared and ordered as numbers by both databases.
        `CREATE TABLE webhook_deliveries (
          id ${t.text} PRIMARY KEY,
          event_id ${t.text} NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
          subscription_id ${t.text} NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
          status ${t.text} NOT NULL,
          attempts ${t.integer} NOT NULL,
          next_attempt_at ${t.bigint},
          last_attempt_at ${t.text},
          last_status ${t.integer},
          last_error ${t.text},
          lease_owner ${t.text},
          lease_until ${t.bigint},
          created_at ${t.text} NOT NULL,
          updated_at ${t.text} NOT NULL
        )`,
        // One delivery per event and subscription: fan-out by several replicas cannot duplicate it.
        'CREATE UNIQUE INDEX webhook_deliveries_pair ON webhook_deliveries (event_id, subscription_id)',
        'CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)',
        'CREATE INDEX webhook_deliveries_updated ON webhook_deliveries (updated_at)',
      ],
    },
  ];
}
