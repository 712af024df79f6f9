import { type Context, isoNow, param, timestamps } from './context.js';
import { type FieldError, throwIfInvalid } from './errors.js';
import type { JsonObject } from './json.js';
import { listEnvelope, paginate, readPageParams } from './pagination.js';
import { randomToken } from './random.js';
import { empty, json, type Reply } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';

function readUrl(body: JsonObject, errors: FieldError[], required: boolean): string | undefined {
  const value = body.endpoint_url;
  if (value === undefined && !required) return undefined;
  if (typeof value === 'string' && /^https?:\/\//.test(value)) return value;
  errors.push({
    field: 'endpoint_url',
    code: 'invalid_url',
    message: 'endpoint_url must be an http(s) URL.',
  });
  return undefined;
}

function readEvents(body: JsonObject, errors: FieldError[], required: boolean): string[] | undefined {
  const value = body.events;
  if (value === undefined && !required) return undefined;
  if (Array.isArray(value) && value.length > 0 && value.every((e) => typeof e === 'string'))
    return value as string[];
  errors.push({
    field: 'events',
    code: 'invalid_events',
    message: 'events must be a non-empty list of event names.',
  });
  return undefined;
}

/** Shared by the API and the seed; `secret` is generated (`whsec_…`) unless given. */
export function insertWebhookEndpoint(
  ctx: Pick<Context, 'env'>,
  url: string,
  events: string[],
  secret?: string,
): Row {
  const { env } = ctx;
  return env.state.webhookEndpoints.put({
    object: 'webhook_endpoint',
    id: env.newId('we_'),
    endpoint_url: url,
    secret: secret ?? `whsec_${randomToken(env.random, 29)}`,
    status: 'enabled',
    events,
    ...timestamps(env),
  });
}

function create(ctx: Context): Reply {
  const errors: FieldError[] = [];
  const url = readUrl(ctx.body, errors, true);
  const events = readEvents(ctx.body, errors, true);
  throwIfInvalid(errors);
  return json(201, insertWebhookEndpoint(ctx, String(url), events ?? []));
}

function update(ctx: Context): Reply {
  const row = requireRow(ctx.env.state.webhookEndpoints, param(ctx, 'id'), 'WebhookEndpoint');
  const errors: FieldError[] = [];
  const url = readUrl(ctx.body, errors, false);
  const events = readEvents(ctx.body, errors, false);
  const status = ctx.body.status;
  if (status !== undefined && status !== 'enabled' && status !== 'disabled') {
    errors.push({ field: 'status', code: 'invalid_status', message: 'status must be enabled or disabled.' });
  }
  throwIfInvalid(errors);
  const next: Row = { ...row, updated_at: isoNow(ctx.env) };
  if (url) next.endpoint_url = url;
  if (events) next.events = events;
  if (typeof status === 'string') next.status = status;
  return json(200, ctx.env.state.webhookEndpoints.put(next));
}

function remove(ctx: Context): Reply {
  const row = requireRow(ctx.env.state.webhookEndpoints, param(ctx, 'id'), 'WebhookEndpoint');
  ctx.env.state.webhookEndpoints.delete(row.id);
  return empty(204);
}

export function registerWebhookEndpointRoutes(router: Router): void {
  router
    .add('GET', '/webhook_endpoints', (ctx) =>
      json(200, listEnvelope(paginate(ctx.env.state.webhookEndpoints.all(), readPageParams(ctx.query)))),
    )
    .add('POST', '/webhook_endpoints', create)
    .add('PATCH', '/webhook_endpoints/{id}', update)
    .add('DELETE', '/webhook_endpoints/{id}', remove);
}
