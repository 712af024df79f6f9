import { type Context, type Environment, isoNow, param, timestamps } from './context.js';
import { type FieldError, throwIfInvalid, WorkOSError } from './errors.js';
import type { Json, JsonObject } from './json.js';
import { listEnvelope, paginate, readPageParams } from './pagination.js';
import { randomToken } from './random.js';
import { csv, json, type Reply } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';

// Export download URLs expire after 10 minutes; a new GET mints a fresh one (§2.11).
const EXPORT_URL_LIFETIME_MS = 10 * 60 * 1000;

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireField(errors: FieldError[], ok: boolean, field: string): void {
  if (!ok) errors.push({ field, code: 'required' });
}

function hasIdAndType(value: Json | undefined): boolean {
  return isObject(value) && typeof value.id === 'string' && typeof value.type === 'string';
}

/** The checks WorkOS makes before accepting an event: action, occurred_at, actor, targets, context. */
function validateEvent(body: JsonObject): JsonObject {
  const errors: FieldError[] = [];
  requireField(errors, typeof body.organization_id === 'string', 'organization_id');
  const event = isObject(body.event) ? body.event : {};
  requireField(errors, isObject(body.event), 'event');
  requireField(errors, typeof event.action === 'string' && event.action !== '', 'event.action');
  requireField(
    errors,
    typeof event.occurred_at === 'string' && !Number.isNaN(Date.parse(event.occurred_at)),
    'event.occurred_at',
  );
  requireField(errors, hasIdAndType(event.actor), 'event.actor');
  requireField(errors, Array.isArray(event.targets) && event.targets.every(hasIdAndType), 'event.targets');
  requireField(
    errors,
    isObject(event.context) && typeof event.context.location === 'string',
    'event.context.location',
  );
  if (errors.length > 0) {
    throw new WorkOSError(422, {
      message: 'Validation failed.',
      code: 'invalid_request_parameters',
      errors: errors as unknown as Json[],
    });
  }
  return event;
}

export function insertAuditEvent(env: Environment, organizationId: string, event: JsonObject): Row {
  return env.state.auditEvents.put({
    object: 'audit_log_event',
    id: env.newId('audit_log_event_'),
    organization_id: organizationId,
    ...event,
    ...timestamps(env),
  });
}

/** The newest schema version of an action, if any was created. */
function latestSchema(env: Environment, action: string): Row | undefined {
  return env.state.auditSchemas
    .filter((row) => row.action === action)
    .sort((a, b) => Number(b.version) - Number(a.version))[0];
}

/**
 * An action with a schema accepts only the target types the schema lists: WorkOS's recorded 400
 * (`invalid_audit_log`, an ajv-style `errors` entry per target it refuses).
 */
function checkAgainstSchema(env: Environment, event: JsonObject): void {
  const schema = latestSchema(env, String(event.action));
  if (!schema) return;
  const allowed = (schema.targets as JsonObject[]).map((target) => String(target.type));
  const errors = (event.targets as JsonObject[]).flatMap((target, i) =>
    allowed.includes(String(target.type))
      ? []
      : [
          {
            instancePath: `/targets/${i}/type`,
            schemaPath: '#/properties/targets/items/properties/type/enum',
            keyword: 'enum',
            params: { allowValues: allowed },
            message: 'must be equal to one of the allowed values',
          },
        ],
  );
  if (errors.length > 0)
    throw new WorkOSError(400, { code: 'invalid_audit_log', message: 'Invalid Audit Log event', errors });
}

/** 201 `{"success":true}`, as recorded (the spec says 200). */
function createEvent(ctx: Context): Reply {
  const event = validateEvent(ctx.body);
  const orgId = String(ctx.body.organization_id);
  requireRow(ctx.env.state.organizations, orgId, 'Organization');
  checkAgainstSchema(ctx.env, event);
  insertAuditEvent(ctx.env, orgId, event);
  return json(201, { success: true });
}

function stringList(value: Json | undefined): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}

function createExport(ctx: Context): Reply {
  const { env, body } = ctx;
  const errors: FieldError[] = [];
  for (const field of ['organization_id', 'range_start', 'range_end'])
    requireField(errors, typeof body[field] === 'string', field);
  throwIfInvalid(errors);
  const start = Date.parse(String(body.range_start));
  const end = Date.parse(String(body.range_end));
  // NestJS-shaped 400, as the spec documents for this endpoint (the SDK raises OauthException on it).
  if (Number.isNaN(start) || Number.isNaN(end) || start > end) {
    throw new WorkOSError(400, { message: ['Invalid date range'], error: 'Bad Request' });
  }
  requireRow(env.state.organizations, String(body.organization_id), 'Organization');
  const row = env.state.auditExports.put({
    object: 'audit_log_export',
    id: env.newId('audit_log_export_'),
    state: 'pending',
    url: null,
    ...timestamps(env),
  });
  env.state.exportQueries.set(row.id, body);
  return json(201, row);
}

/** A pending export is ready by the next read; every read of a ready export mints a fresh URL. */
function getExport(ctx: Context): Reply {
  const { env } = ctx;
  const row = requireRow(env.state.auditExports, param(ctx, 'id'), 'AuditLogExport');
  const token = randomToken(env.random, 32);
  env.state.exportTokens.set(token, { exportId: row.id, expiresAt: env.now() + EXPORT_URL_LIFETIME_MS });
  const ready = env.state.auditExports.put({
    ...row,
    state: 'ready',
    url: `${env.baseUrl}/_emulator/exports/${row.id}.csv?token=${token}`,
    updated_at: row.state === 'ready' ? row.updated_at : isoNow(env),
  });
  return json(200, ready);
}

function matchesQuery(event: Row, q: JsonObject): boolean {
  const at = Date.parse(String(event.occurred_at));
  const actor = event.actor as JsonObject;
  const targets = (event.targets as JsonObject[]).map((t) => String(t.type));
  const within = (list: string[] | undefined, value: string) =>
    !list || list.length === 0 || list.includes(value);
  return (
    event.organization_id === q.organization_id &&
    at >= Date.parse(String(q.range_start)) &&
    at <= Date.parse(String(q.range_end)) &&
    within(stringList(q.actions), String(event.action)) &&
    within(stringList(q.actor_ids ?? q.actors), String(actor.id)) &&
    within(stringList(q.actor_names), String(actor.name ?? '')) &&
    (!stringList(q.targets)?.length || targets.some((t) => stringList(q.targets)?.includes(t)))
  );
}

function csvCell(value: Json | undefined): string {
  const textValue =
    value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n]/.test(textValue) ? `"${textValue.replace(/"/g, '""')}"` : textValue;
}

/** `GET /_emulator/exports/{id}.csv?token=`: the pre-signed download the export's `url` points at. */
export function exportCsv(ctx: Context): Reply {
  const { env } = ctx;
  const id = param(ctx, 'file').replace(/\.csv$/, '');
  const grant = env.state.exportTokens.get(ctx.query.get('token') ?? '');
  if (!grant || grant.exportId !== id || grant.expiresAt < env.now()) {
    throw new WorkOSError(403, { message: 'The export URL is invalid or has expired.' });
  }
  const query = env.state.exportQueries.get(id) ?? {};
  const header = [
    'id',
    'action',
    'occurred_at',
    'actor_id',
    'actor_type',
    'actor_name',
    'targets',
    'location',
    'user_agent',
    'metadata',
  ];
  const rows = env.state.auditEvents
    .filter((e) => matchesQuery(e, query))
    .map((e) => {
      const actor = e.actor as JsonObject;
      const context = (e.context as JsonObject) ?? {};
      return [
        e.id,
        e.action,
        e.occurred_at,
        actor.id,
        actor.type,
        actor.name,
        e.targets,
        context.location,
        context.user_agent,
        e.metadata,
      ]
        .map(csvCell)
        .join(',');
    });
  return csv(`${[header.join(','), ...rows].join('\n')}\n`);
}

/** 201 AuditLogSchemaJson: a new version of the action's schema (the action is created with its first). */
function createSchema(ctx: Context): Reply {
  const action = param(ctx, 'action');
  const targets = ctx.body.targets;
  const errors: FieldError[] = [];
  requireField(
    errors,
    Array.isArray(targets) &&
      targets.length > 0 &&
      targets.every((t) => isObject(t) && typeof t.type === 'string'),
    'targets',
  );
  throwIfInvalid(errors);
  const previous = latestSchema(ctx.env, action);
  const row = ctx.env.state.auditSchemas.put({
    object: 'audit_log_schema',
    id: ctx.env.newId('audit_log_schema_'),
    action,
    version: previous ? Number(previous.version) + 1 : 1,
    actor: { metadata: isObject(ctx.body.actor) ? (ctx.body.actor.metadata ?? {}) : {} },
    targets: (targets as JsonObject[]).map((t) => ({ type: t.type, metadata: t.metadata ?? {} })),
    ...(isObject(ctx.body.metadata) ? { metadata: ctx.body.metadata } : {}),
    ...timestamps(ctx.env),
  });
  return json(201, schemaJson(row));
}

function schemaJson(row: Row): JsonObject {
  const { id: _id, action: _action, updated_at: _updated, ...rest } = row;
  return rest as JsonObject;
}

function listSchemas(ctx: Context): Reply {
  const action = param(ctx, 'action');
  const rows = ctx.env.state.auditSchemas
    .filter((row) => row.action === action)
    .sort((a, b) => Number(b.version) - Number(a.version));
  const result = paginate(rows, readPageParams(ctx.query));
  return json(200, listEnvelope({ ...result, data: result.data.map(schemaJson) }));
}

/** `GET /_emulator/audit_logs/events?organization_id=&action=`: every event accepted, oldest first. */
export function listAuditEvents(ctx: Context): Reply {
  const org = ctx.query.get('organization_id');
  const action = ctx.query.get('action');
  const rows = ctx.env.state.auditEvents.filter(
    (row) => (!org || row.organization_id === org) && (!action || row.action === action),
  );
  return json(200, rows as unknown as JsonObject[]);
}

export function registerAuditLogRoutes(router: Router): void {
  router
    .add('POST', '/audit_logs/events', createEvent)
    .add('POST', '/audit_logs/actions/{action}/schemas', createSchema)
    .add('GET', '/audit_logs/actions/{action}/schemas', listSchemas)
    .add('POST', '/audit_logs/exports', createExport)
    .add('GET', '/audit_logs/exports/{id}', getExport);
}
