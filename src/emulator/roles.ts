import { type Context, type Environment, param, timestamps } from './context.js';
import type { JsonObject } from './json.js';
import { json, type Reply } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';

export interface NewRole {
  slug: string;
  name: string;
  description?: string | null;
  permissions?: string[];
}

/** An environment role, or an organization's custom role when `organizationId` is given. */
export function insertRole(env: Environment, role: NewRole, organizationId?: string): Row {
  const row = env.state.roles.put({
    object: 'role',
    id: env.newId('role_'),
    slug: role.slug,
    name: role.name,
    description: role.description ?? null,
    type: organizationId ? 'OrganizationRole' : 'EnvironmentRole',
    resource_type_slug: 'organization',
    permissions: role.permissions ?? [],
    ...timestamps(env),
  });
  if (organizationId) env.state.roleOrganizations.set(row.id, organizationId);
  return row;
}

/** `{object:"list", data}` with no `list_metadata`: role lists are not paginated (§2.1). */
function roleList(rows: JsonObject[]): Reply {
  return json(200, { object: 'list', data: rows });
}

function environmentRoles(ctx: Context): Reply {
  return roleList(ctx.env.state.roles.filter((r) => r.type === 'EnvironmentRole'));
}

/** Environment roles first, then the organization's own, "in priority order" (§2.12). */
function organizationRoles(ctx: Context): Reply {
  const { env } = ctx;
  const org = requireRow(env.state.organizations, param(ctx, 'id'), 'Organization');
  const custom = env.state.roles.filter((r) => env.state.roleOrganizations.get(r.id) === org.id);
  return roleList([...env.state.roles.filter((r) => r.type === 'EnvironmentRole'), ...custom]);
}

/** Served at the v11 paths and at the seed's legacy ones (SDK ≤ v8 called `/organizations/{id}/roles`). */
export function registerRoleRoutes(router: Router): void {
  router
    .add('GET', '/authorization/roles', environmentRoles)
    .add('GET', '/roles', environmentRoles)
    .add('GET', '/authorization/organizations/{id}/roles', organizationRoles)
    .add('GET', '/organizations/{id}/roles', organizationRoles);
}
