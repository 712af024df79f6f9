import { type Context, type Environment, isoNow, param, timestamps } from './context.js';
import { codedError, type FieldError, throwIfInvalid } from './errors.js';
import { listEnvelope, paginate, readPageParams } from './pagination.js';
import { readQueryList } from './query-list.js';
import { empty, json, type Reply } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';
import { optionalString, requiredString } from './validate.js';

/** Shared by the API and the seed. */
export function insertMembership(
  env: Environment,
  userId: string,
  organizationId: string,
  role: string,
): Row {
  const org = env.state.organizations.get(organizationId);
  return env.state.memberships.put({
    object: 'organization_membership',
    id: env.newId('om_'),
    user_id: userId,
    organization_id: organizationId,
    organization_name: org ? String(org.name) : null,
    status: 'active',
    role: { slug: role },
    directory_managed: false,
    custom_attributes: {},
    ...timestamps(env),
  });
}

function create(ctx: Context): Reply {
  const { env, body } = ctx;
  const errors: FieldError[] = [];
  const userId = requiredString(body, 'user_id', errors);
  const orgId = requiredString(body, 'organization_id', errors);
  const role = optionalString(body, 'role_slug', errors) ?? 'member';
  throwIfInvalid(errors);
  requireRow(env.state.users, userId, 'User');
  requireRow(env.state.organizations, orgId, 'Organization');
  if (env.state.memberships.find((m) => m.user_id === userId && m.organization_id === orgId)) {
    throw codedError(
      400,
      'organization_membership_already_exists',
      'The user is already a member of this organization.',
    );
  }
  const row = insertMembership(env, userId, orgId, role);
  env.emit('organization_membership.created', row, orgId);
  return json(201, row);
}

function get(ctx: Context): Reply {
  return json(200, requireRow(ctx.env.state.memberships, param(ctx, 'id'), 'OrganizationMembership'));
}

function list(ctx: Context): Reply {
  const { query, env } = ctx;
  const page = readPageParams(query);
  const userId = query.get('user_id');
  const orgId = query.get('organization_id');
  const statuses = readQueryList(query, 'statuses');
  const rows = env.state.memberships.filter(
    (m) =>
      (!userId || m.user_id === userId) &&
      (!orgId || m.organization_id === orgId) &&
      (statuses.length === 0 || statuses.includes(String(m.status))),
  );
  return json(200, listEnvelope(paginate(rows, page)));
}

function change(ctx: Context, patch: Partial<Row>): Reply {
  const row = requireRow(ctx.env.state.memberships, param(ctx, 'id'), 'OrganizationMembership');
  const next = ctx.env.state.memberships.put({ ...row, ...patch, updated_at: isoNow(ctx.env) } as Row);
  ctx.env.emit('organization_membership.updated', next, String(row.organization_id));
  return json(200, next);
}

function update(ctx: Context): Reply {
  const errors: FieldError[] = [];
  const role = optionalString(ctx.body, 'role_slug', errors);
  throwIfInvalid(errors);
  return change(ctx, role ? { role: { slug: role } } : {});
}

function remove(ctx: Context): Reply {
  const row = requireRow(ctx.env.state.memberships, param(ctx, 'id'), 'OrganizationMembership');
  ctx.env.state.memberships.delete(row.id);
  ctx.env.emit('organization_membership.deleted', row, String(row.organization_id));
  return empty(200);
}

export function registerMembershipRoutes(router: Router): void {
  const base = '/user_management/organization_memberships';
  router
    .add('POST', base, create)
    .add('GET', base, list)
    .add('GET', `${base}/{id}`, get)
    .add('PUT', `${base}/{id}`, update)
    .add('DELETE', `${base}/{id}`, remove)
    .add('PUT', `${base}/{id}/deactivate`, (ctx) => change(ctx, { status: 'inactive' }))
    .add('PUT', `${base}/{id}/reactivate`, (ctx) => change(ctx, { status: 'active' }));
}
