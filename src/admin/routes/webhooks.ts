import { z } from 'zod';
import { parseDurationSeconds } from '../../agents/index.js';
import type { WebhookService } from '../../webhooks/index.js';
import type { Router } from '../route.js';
import { adminActor } from './agents.js';

const subscriptionView = z.object({
  id: z.string(),
  agentId: z.string(),
  agentName: z.string().nullable(),
  url: z.string(),
  events: z.array(z.string()),
  secretHint: z.string(),
  previousSecretExpiresAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const withSecret = z.object({
  subscription: subscriptionView,
  secret: z.string().meta({ description: 'The signing secret (whsec_…), shown once' }),
});

const deliveryView = z.object({
  id: z.string(),
  eventId: z.string(),
  event: z.string().nullable(),
  subscriptionId: z.string(),
  status: z.enum(['pending', 'delivered', 'dead', 'denied']),
  attempts: z.number(),
  nextAttemptAt: z.number().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const subscribeBody = z.strictObject({
  agent: z.string().min(1).meta({ description: 'Agent id (agt_…) or name' }),
  url: z.url({ protocol: /^https?$/ }),
  events: z
    .array(z.string().min(1).max(200))
    .min(1)
    .max(100)
    .meta({
      description: 'Event types or prefixes ending in * (dsync.*)',
      examples: [['dsync.*', 'user.created']],
    }),
});

const idParams = z.object({ id: z.string().min(1) });
const grace = z
  .string()
  .refine((value) => parseDurationSeconds(value) !== null, 'expected a duration such as 24h, 30m or 0s');

/** Subscriptions, deliveries, replay and backfill under `/webhooks`. */
export function registerWebhookRoutes(router: Router, webhooks: WebhookService): void {
  const tag = 'webhooks';
  router.add({
    method: 'POST',
    url: '/webhooks/subscriptions',
    tag,
    summary: "Subscribe an agent's endpoint to event types; the response carries its signing secret, once",
    body: subscribeBody,
    status: 201,
    response: withSecret,
    handler: async ({ body, request }) => webhooks.subscribe(body, adminActor(request)),
  });
  router.add({
    method: 'GET',
    url: '/webhooks/subscriptions',
    tag,
    summary: 'List subscriptions (secrets shown as hints only)',
    query: z.object({ agent: z.string().min(1).optional() }),
    response: z.object({ data: z.array(subscriptionView) }),
    handler: async ({ query }) => ({ data: await webhooks.list(query) }),
  });
  router.add({
    method: 'GET',
    url: '/webhooks/subscriptions/:id',
    tag,
    summary: 'Show a subscription',
    params: idParams,
    response: subscriptionView,
    handler: async ({ params }) => webhooks.get(params.id),
  });
  router.add({
    method: 'DELETE',
    url: '/webhooks/subscriptions/:id',
    tag,
    summary: 'Remove a subscription and its pending deliveries',
    params: idParams,
    status: 204,
    handler: async ({ params, request }) => webhooks.unsubscribe(params.id, adminActor(request)),
  });
  router.add({
    method: 'POST',
    url: '/webhooks/subscriptions/:id/rotate-secret',
    tag,
    summary:
      'Issue a new signing secret; the old one is still signed with for the grace period (default 24h)',
    params: idParams,
    body: z.strictObject({
      grace: grace.optional().meta({ description: 'Default 24h; 0s ends the old secret now' }),
    }),
    response: withSecret,
    handler: async ({ params, body, request }) =>
      webhooks.rotateSecret(
        params.id,
        { graceSeconds: body.grace === undefined ? undefined : (parseDurationSeconds(body.grace) ?? 0) },
        adminActor(request),
      ),
  });
  router.add({
    method: 'GET',
    url: '/webhooks/deliveries',
    tag,
    summary: 'List deliveries, newest first',
    query: z.object({
      status: z.enum(['pending', 'delivered', 'dead', 'denied']).optional(),
      event: z.string().min(1).optional().meta({ description: 'Event id' }),
      subscription: z.string().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
    response: z.object({ data: z.array(deliveryView) }),
    handler: async ({ query }) => ({
      data: await webhooks.deliveries({
        status: query.status,
        eventId: query.event,
        subscriptionId: query.subscription,
        limit: query.limit,
      }),
    }),
  });
  router.add({
    method: 'POST',
    url: '/webhooks/events/:id/replay',
    tag,
    summary:
      "Deliver a stored event again: to one subscription, an agent's matching ones, or all matching ones",
    params: idParams,
    body: z.strictObject({ agent: z.string().min(1).optional(), subscription: z.string().min(1).optional() }),
    response: z.object({ deliveries: z.array(deliveryView.omit({ event: true })) }),
    handler: async ({ params, body, request }) =>
      webhooks.replay(
        params.id,
        { agent: body.agent, subscriptionId: body.subscription },
        adminActor(request),
      ),
  });
  router.add({
    method: 'POST',
    url: '/webhooks/backfill',
    tag,
    summary: "Fetch missed events from WorkOS's Events API (30-day window) and deliver them",
    body: z.strictObject({
      since: z.string().min(1).optional().meta({ description: 'ISO-8601 or a duration ago (2h)' }),
    }),
    response: z.object({
      since: z.string(),
      fetched: z.number(),
      stored: z.number(),
      duplicates: z.number(),
      pages: z.number(),
    }),
    handler: async ({ body }) => {
      const seconds = body.since === undefined ? null : parseDurationSeconds(body.since);
      const since = seconds === null ? body.since : new Date(Date.now() - seconds * 1000).toISOString();
      return webhooks.backfill(since);
    },
  });
}
