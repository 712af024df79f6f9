import type { Command } from 'commander';
import { parseDurationSeconds } from '../../agents/duration.js';
import type { BackfillResult, DeliveryView, SubscriptionView } from '../../webhooks/index.js';
import { renderTable } from '../table.js';
import {
  action,
  CliError,
  clientFor,
  collect,
  EXIT_USAGE,
  printJson,
  withConnectionOptions,
  withUsageExitCode,
} from './admin-client.js';

interface WithSecret {
  subscription: SubscriptionView;
  secret: string;
}

function leaf(parent: Command, spec: string, description: string, example: string): Command {
  return withConnectionOptions(parent.command(spec))
    .description(description)
    .option('--json', 'print JSON')
    .addHelpText('after', `\nExample:\n  ${example}\n`);
}

function printSecret(result: WithSecret, verb: string): void {
  const { subscription } = result;
  console.log(
    `${verb} ${subscription.id}: ${subscription.agentName ?? subscription.agentId} ← ${subscription.events.join(', ')}`,
  );
  console.log(`  endpoint: ${subscription.url}`);
  if (subscription.previousSecretExpiresAt) {
    console.log(
      `  the previous secret is still signed with (second v1) until ${subscription.previousSecretExpiresAt}`,
    );
  }
  console.log(
    `\nSigning secret (shown once; verify deliveries with workos.webhooks.constructEvent):\n\n  ${result.secret}\n`,
  );
}

function registerSubscribe(webhooks: Command): void {
  leaf(
    webhooks,
    'subscribe <agent> <url>',
    "Send an agent's endpoint the events it may read; prints its signing secret once",
    'bollard webhooks subscribe provisioner https://agent.example/hooks --events "dsync.*" --events user.created',
  )
    .requiredOption(
      '-e, --events <pattern>',
      'event type or prefix* (repeatable, or comma-separated)',
      collect,
    )
    .action(
      action(
        async (
          agent: string,
          url: string,
          options: { events: string[]; json?: boolean },
          command: Command,
        ) => {
          const result = await clientFor(command).request<WithSecret>('POST', '/webhooks/subscriptions', {
            agent,
            url,
            events: options.events,
          });
          if (options.json) printJson(result);
          else printSecret(result, 'Subscribed');
        },
      ),
    );
}

function registerList(webhooks: Command): void {
  leaf(webhooks, 'list', 'List subscriptions', 'bollard webhooks list --agent provisioner')
    .option('--agent <agent>', 'only this agent (name or id)')
    .action(
      action(async (options: { agent?: string; json?: boolean }, command: Command) => {
        const query = options.agent ? `?agent=${encodeURIComponent(options.agent)}` : '';
        const { data } = await clientFor(command).request<{ data: SubscriptionView[] }>(
          'GET',
          `/webhooks/subscriptions${query}`,
        );
        if (options.json) return printJson(data);
        const rows = data.map((s) => [
          s.id,
          s.agentName ?? s.agentId,
          s.events.join(','),
          s.url,
          s.secretHint,
        ]);
        console.log(
          rows.length > 0
            ? renderTable(['ID', 'AGENT', 'EVENTS', 'URL', 'SECRET'], rows)
            : 'No subscriptions yet. Add one with: bollard webhooks subscribe AGENT URL --events "dsync.*"',
        );
      }),
    );
}

function registerChanges(webhooks: Command): void {
  leaf(webhooks, 'unsubscribe <id>', 'Remove a subscription', 'bollard webhooks unsubscribe whs_…').action(
    action(async (id: string, options: { json?: boolean }, command: Command) => {
      await clientFor(command).request('DELETE', `/webhooks/subscriptions/${encodeURIComponent(id)}`);
      if (options.json) printJson({ id, deleted: true });
      else console.log(`Removed subscription ${id}`);
    }),
  );
  leaf(
    webhooks,
    'rotate-secret <id>',
    'Issue a new signing secret; the old one stays valid for the grace period',
    'bollard webhooks rotate-secret whs_… --grace 24h',
  )
    .option('--grace <duration>', 'keep signing with the old secret this long (0s: stop now)', '24h')
    .action(
      action(async (id: string, options: { grace: string; json?: boolean }, command: Command) => {
        if (parseDurationSeconds(options.grace) === null) {
          throw new CliError(
            `--grace '${options.grace}' is not a duration (for example 0s, 1h, 24h)`,
            [],
            EXIT_USAGE,
          );
        }
        const result = await clientFor(command).request<WithSecret>(
          'POST',
          `/webhooks/subscriptions/${encodeURIComponent(id)}/rotate-secret`,
          { grace: options.grace },
        );
        if (options.json) printJson(result);
        else printSecret(result, 'Rotated');
      }),
    );
}

function registerDeliveries(webhooks: Command): void {
  leaf(webhooks, 'deliveries', 'List deliveries, newest first', 'bollard webhooks deliveries --status dead')
    .option('--status <status>', 'pending, delivered, dead or denied')
    .option('--event <id>', 'only this event')
    .option('--limit <n>', 'at most this many (default 100)')
    .action(
      action(
        async (
          options: { status?: string; event?: string; limit?: string; json?: boolean },
          command: Command,
        ) => {
          const query = new URLSearchParams();
          if (options.status) query.set('status', options.status);
          if (options.event) query.set('event', options.event);
          if (options.limit) query.set('limit', options.limit);
          const { data } = await clientFor(command).request<{ data: DeliveryView[] }>(
            'GET',
            `/webhooks/deliveries${query.size > 0 ? `?${query}` : ''}`,
          );
          if (options.json) return printJson(data);
          const rows = data.map((d) => [
            d.id,
            d.status,
            d.event ?? '?',
            d.eventId,
            d.subscriptionId,
            String(d.attempts),
            d.lastStatus === null ? (d.lastError ?? '-') : String(d.lastStatus),
          ]);
          console.log(
            rows.length > 0
              ? renderTable(['ID', 'STATUS', 'EVENT', 'EVENT ID', 'SUBSCRIPTION', 'ATTEMPTS', 'LAST'], rows)
              : 'No deliveries.',
          );
        },
      ),
    );
  leaf(
    webhooks,
    'replay <eventId>',
    'Deliver a stored event again',
    'bollard webhooks replay event_… --to provisioner',
  )
    .option('--to <agent>', "only this agent's matching subscriptions")
    .option('--subscription <id>', 'only this subscription')
    .action(
      action(
        async (
          eventId: string,
          options: { to?: string; subscription?: string; json?: boolean },
          command: Command,
        ) => {
          const result = await clientFor(command).request<{ deliveries: DeliveryView[] }>(
            'POST',
            `/webhooks/events/${encodeURIComponent(eventId)}/replay`,
            { agent: options.to, subscription: options.subscription },
          );
          if (options.json) return printJson(result);
          for (const d of result.deliveries) console.log(`Queued ${eventId} → ${d.subscriptionId} (${d.id})`);
        },
      ),
    );
  leaf(
    webhooks,
    'backfill',
    "Fetch events missed upstream from WorkOS's Events API (30-day window) and deliver them",
    'bollard webhooks backfill --since 2h',
  )
    .option('--since <when>', 'ISO-8601 time or a duration ago (2h, 7d); default 30 days')
    .action(
      action(async (options: { since?: string; json?: boolean }, command: Command) => {
        const result = await clientFor(command).request<BackfillResult>('POST', '/webhooks/backfill', {
          since: options.since,
        });
        if (options.json) return printJson(result);
        console.log(
          `Backfill since ${result.since}: ${result.fetched} fetched, ${result.stored} new, ${result.duplicates} already stored`,
        );
      }),
    );
}

/** `bollard webhooks subscribe|list|unsubscribe|rotate-secret|deliveries|replay|backfill`. */
export function registerWebhooksCommand(program: Command): void {
  const webhooks = withUsageExitCode(program.command('webhooks'))
    .description("Relay WorkOS's webhooks to agents: subscriptions, deliveries, replay and backfill")
    .addHelpText(
      'after',
      `
An agent receives only events of areas it can read (dsync.* needs directory_sync:read).
Deliveries are signed like WorkOS's own: verify them with workos.webhooks.constructEvent
and the subscription's secret.

Examples:
  bollard webhooks subscribe provisioner https://agent.example/hooks --events "dsync.*"
  bollard webhooks deliveries --status dead
  bollard webhooks replay event_01H… --to provisioner
`,
    );
  registerSubscribe(webhooks);
  registerList(webhooks);
  registerChanges(webhooks);
  registerDeliveries(webhooks);
}
