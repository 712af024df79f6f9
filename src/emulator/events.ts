import type { Context, Environment } from './context.js';
import { codedError } from './errors.js';
import type { JsonObject } from './json.js';
import { readPageParams } from './pagination.js';
import { readQueryList } from './query-list.js';
import { json, type Reply } from './reply.js';
import type { EmulatorState } from './state.js';
import type { WebhookDeliverer, WebhookTarget } from './webhook-delivery.js';

/**
 * Builds `env.emit`: every event is kept for `GET /events` and posted, with body
 * `{"id","event","data","created_at"}`, to each enabled webhook endpoint subscribed to it
 * and to the endpoint given at start-up (which receives everything).
 */
export function createEmitter(
  getEnv: () => Environment,
  deliverer: WebhookDeliverer,
  startTarget: () => WebhookTarget | undefined,
): (event: string, data: JsonObject, organizationId?: string) => void {
  return (event, data, organizationId) => {
    const env = getEnv();
    const id = env.newId('event_');
    const createdAt = new Date(env.now()).toISOString();
    env.state.events.push({
      row: { object: 'event', id, event, data, created_at: createdAt },
      organizationId: organizationId ?? orgOf(data),
    });
    const body = JSON.stringify({ id, event, data, created_at: createdAt });
    for (const target of targetsFor(env.state, event, startTarget()))
      deliverer.deliver(target, id, event, body);
  };
}

function orgOf(data: JsonObject): string | undefined {
  if (typeof data.organization_id === 'string') return data.organization_id;
  return data.object === 'organization' && typeof data.id === 'string' ? data.id : undefined;
}

function targetsFor(
  state: EmulatorState,
  event: string,
  startTarget: WebhookTarget | undefined,
): WebhookTarget[] {
  const targets = state.webhookEndpoints
    .filter((we) => we.status === 'enabled' && Array.isArray(we.events) && we.events.includes(event))
    .map((we) => ({ url: String(we.endpoint_url), secret: String(we.secret) }));
  return startTarget ? [startTarget, ...targets] : targets;
}

/**
 * `GET /events?events=a,b&organization_id=&range_start=&range_end=&limit=&after=&order=` (§6.4).
 * Without `events` WorkOS answers 400 `invalid_events_request`; `list_metadata` has only `after`.
 */
export function listEvents(ctx: Context): Reply {
  const names = readQueryList(ctx.query, 'events');
  if (names.length === 0) {
    throw codedError(
      400,
      'invalid_events_request',
      'One or more event names (e.g. dsync.user.created) must be provided using the events parameter.',
    );
  }
  const page = readPageParams(ctx.query);
  const org = ctx.query.get('organization_id');
  const start = Date.parse(ctx.query.get('range_start') ?? '');
  const end = Date.parse(ctx.query.get('range_end') ?? '');
  let items = ctx.env.state.events.filter((e) => {
    const at = Date.parse(String(e.row.created_at));
    return (
      names.includes(String(e.row.event)) &&
      (!org || e.organizationId === org) &&
      (Number.isNaN(start) || at >= start) &&
      (Number.isNaN(end) || at <= end)
    );
  });
  items = page.order === 'asc' ? items : [...items].reverse();
  const from = page.after ? items.findIndex((e) => e.row.id === page.after) + 1 : 0;
  const data = items.slice(from, from + page.limit);
  const more = from + data.length < items.length;
  return json(200, {
    object: 'list',
    data: data.map((e) => e.row),
    list_metadata: { after: more && data.length > 0 ? data[data.length - 1].row.id : null },
  });
}
