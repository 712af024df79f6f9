/**
 * Control endpoints, for tests and demos. All under `/_emulator/`, never under a WorkOS path;
 * no API key; JSON in and out; never logged, faulted or rate-limited.
 *
 *   GET    /_emulator/health                         → {ok:true}
 *   POST   /_emulator/reset            {seed?}       clear everything, load `demo` | `none` | a seed object
 *   GET    /_emulator/requests                       the request log: [{time, method, path, query, status, headers, body}]
 *                                                    (Authorization and body secrets masked)
 *   DELETE /_emulator/requests                       clear it
 *   POST   /_emulator/faults  {path, method?, count, status?, body?, delayMs?, drop?}
 *                                                    the next `count` requests on `path` (exact, anything under it,
 *                                                    or a prefix ending in `*`) answer `status`/`body`, wait
 *                                                    `delayMs` first, or have their socket destroyed (`drop`)
 *   GET|DELETE /_emulator/faults                     list | clear pending faults
 *   POST   /_emulator/domains/{id}/dns-record        declare the DNS TXT record present (the next verify passes)
 *   POST   /_emulator/domains/{id}/verify            WorkOS's periodic check: verify now, emit organization_domain.verified
 *   GET    /_emulator/magic_auth/last?email=         → {email, code} of the last magic-auth code sent
 *   GET    /_emulator/sms/last?phone_number=         → {phone_number, code} of the last SMS code sent
 *   POST   /_emulator/events  {event, data, organization_id?}   emit any event (in-app-only ones included)
 *   GET    /_emulator/webhooks                       webhook delivery attempts
 *   POST   /_emulator/connections/{id}/activate|deactivate      state change + connection.activated|deactivated
 *   POST   /_emulator/sso/{connectionId}/succeeded  {email?}    authentication.sso_succeeded
 *   POST   /_emulator/directories/{id}/activate                 dsync.activated
 *   POST   /_emulator/directories/{id}/users   {email, first_name?, last_name?, state?, groups?, raw_attributes?}
 *   PUT    /_emulator/directory_users/{id}     {…same fields}    dsync.user.updated (with previous_attributes)
 *   DELETE /_emulator/directory_users/{id}                       dsync.user.deleted
 *   POST   /_emulator/directories/{id}/groups  {name}            dsync.group.created
 *   PUT    /_emulator/directory_groups/{id}    {name}            dsync.group.updated
 *   DELETE /_emulator/directory_groups/{id}                      dsync.group.deleted
 *   POST|DELETE /_emulator/directory_groups/{id}/users/{userId}  dsync.group.user_added | user_removed
 *   GET    /_emulator/exports/{id}.csv?token=    the audit-log export download (the `url` of a ready export)
 *   GET    /_emulator/audit_logs/events?organization_id=&action=   Audit Logs events accepted, oldest first
 */

import { exportCsv, listAuditEvents } from './audit-logs.js';
import { type Context, param } from './context.js';
import { registerDirectoryControl } from './directory-control.js';
import { checkDomain } from './domains.js';
import { type FieldError, notFound, throwIfInvalid, WorkOSError } from './errors.js';
import type { Fault } from './faults.js';
import type { Pipeline } from './handle-request.js';
import type { JsonObject } from './json.js';
import type { EmulatorOptions } from './options.js';
import { empty, json, type Reply } from './reply.js';
import { Router, splitPath } from './router.js';
import { registerConnectionControl } from './sso-control.js';
import { requireRow } from './table.js';
import { requiredString } from './validate.js';
import type { WebhookDeliverer } from './webhook-delivery.js';

type Reset = (seed?: EmulatorOptions['seed']) => Promise<void>;

export function createControl(
  p: Pipeline,
  reset: Reset,
  deliverer: WebhookDeliverer,
): (ctx: Context) => Promise<Reply> {
  const router = new Router();
  router
    .add('GET', '/_emulator/health', () => json(200, { ok: true }), 'none')
    .add('POST', '/_emulator/reset', async (ctx) => {
      await reset(readSeed(ctx.body.seed));
      return json(200, { ok: true });
    })
    .add('GET', '/_emulator/requests', () => json(200, p.log.list() as unknown as JsonObject[]))
    .add('DELETE', '/_emulator/requests', () => {
      p.log.clear();
      return empty(204);
    })
    .add('POST', '/_emulator/faults', (ctx) => {
      p.faults.add(readFault(ctx.body));
      return json(201, { ok: true, faults: p.faults.list() as unknown as JsonObject[] });
    })
    .add('GET', '/_emulator/faults', () => json(200, p.faults.list() as unknown as JsonObject[]))
    .add('DELETE', '/_emulator/faults', () => {
      p.faults.clear();
      return empty(204);
    })
    .add('POST', '/_emulator/domains/{id}/dns-record', (ctx) => {
      const domain = requireRow(ctx.env.state.domains, param(ctx, 'id'), 'OrganizationDomain');
      ctx.env.state.dnsRecordsPresent.add(domain.id);
      return json(200, domain);
    })
    .add('POST', '/_emulator/domains/{id}/verify', (ctx) => {
      const domain = requireRow(ctx.env.state.domains, param(ctx, 'id'), 'OrganizationDomain');
      ctx.env.state.dnsRecordsPresent.add(domain.id);
      return json(200, checkDomain(ctx.env, domain));
    })
    .add('GET', '/_emulator/magic_auth/last', (ctx) =>
      lastCode(ctx, 'email', ctx.env.state.lastMagicAuthCodes),
    )
    .add('GET', '/_emulator/sms/last', (ctx) => lastCode(ctx, 'phone_number', ctx.env.state.lastSmsCodes))
    .add('POST', '/_emulator/events', (ctx) => {
      const errors: FieldError[] = [];
      const event = requiredString(ctx.body, 'event', errors);
      throwIfInvalid(errors);
      const org = typeof ctx.body.organization_id === 'string' ? ctx.body.organization_id : undefined;
      ctx.env.emit(event, (ctx.body.data as JsonObject) ?? {}, org);
      return json(201, ctx.env.state.events[ctx.env.state.events.length - 1].row);
    })
    .add('GET', '/_emulator/webhooks', () => json(200, deliverer.attempts as unknown as JsonObject[]))
    .add('GET', '/_emulator/exports/{file}', exportCsv)
    .add('GET', '/_emulator/audit_logs/events', listAuditEvents);
  registerConnectionControl(router);
  registerDirectoryControl(router);
  return async (ctx) => {
    const match = router.match(ctx.method, splitPath(ctx.path) ?? []);
    if (!match) throw notFound();
    return match.handler({ ...ctx, params: match.params });
  };
}

function readSeed(value: unknown): EmulatorOptions['seed'] {
  if (value === undefined || value === 'demo' || value === 'none') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as EmulatorOptions['seed'];
  throw new WorkOSError(422, { message: 'seed must be "demo", "none" or a seed object.' });
}

function readFault(body: JsonObject): Fault {
  const errors: FieldError[] = [];
  const path = requiredString(body, 'path', errors);
  const count = body.count === undefined ? 1 : body.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    errors.push({ field: 'count', code: 'count must be a positive integer' });
  }
  if (
    body.status !== undefined &&
    (typeof body.status !== 'number' || body.status < 100 || body.status > 599)
  ) {
    errors.push({ field: 'status', code: 'status must be an HTTP status' });
  }
  if (body.delayMs !== undefined && (typeof body.delayMs !== 'number' || body.delayMs < 0)) {
    errors.push({ field: 'delayMs', code: 'delayMs must be a non-negative number' });
  }
  if (body.status === undefined && body.delayMs === undefined && body.drop !== true) {
    errors.push({ field: 'status', code: 'give status, delayMs or drop' });
  }
  throwIfInvalid(errors);
  return {
    path,
    count: count as number,
    method: typeof body.method === 'string' ? body.method : undefined,
    status: body.status as number | undefined,
    body: body.body as JsonObject | undefined,
    delayMs: body.delayMs as number | undefined,
    drop: body.drop === true,
  };
}

function lastCode(ctx: Context, key: string, codes: Map<string, string>): Reply {
  const value = (ctx.query.get(key) ?? '').toLowerCase();
  const code = codes.get(value);
  if (!code) throw new WorkOSError(404, { message: `No code sent to '${value}'.` });
  return json(200, { [key]: value, code });
}
