import { type Context, type Environment, param, timestamps } from './context.js';
import { WorkOSError } from './errors.js';
import type { JsonObject } from './json.js';
import { listEnvelope, paginate, readPageParams } from './pagination.js';
import { randomToken } from './random.js';
import { LIMITS } from './rate-limits.js';
import { json, type Reply, text } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';

export function insertDirectory(
  env: Environment,
  d: { organizationId: string; name: string; type: string; domain?: string },
): Row {
  return env.state.directories.put({
    object: 'directory',
    id: env.newId('directory_'),
    organization_id: d.organizationId,
    external_key: randomToken(env.random, 16),
    type: d.type,
    state: 'linked',
    name: d.name,
    domain: d.domain ?? null,
    ...timestamps(env),
  });
}

export interface DirectoryPerson {
  email: string;
  first_name?: string;
  last_name?: string;
  job_title?: string;
  state?: string;
  raw_attributes?: JsonObject;
}

/** A directory user with the deprecated fields real responses still carry (`emails`, `username`, `job_title`). */
export function insertDirectoryUser(env: Environment, directory: Row, p: DirectoryPerson): Row {
  const idpId = randomToken(env.random, 20);
  const first = p.first_name ?? null;
  const last = p.last_name ?? null;
  return env.state.directoryUsers.put({
    object: 'directory_user',
    id: env.newId('directory_user_'),
    directory_id: directory.id,
    organization_id: directory.organization_id,
    idp_id: idpId,
    email: p.email,
    emails: [{ primary: true, type: 'work', value: p.email }],
    username: p.email,
    first_name: first,
    last_name: last,
    job_title: p.job_title ?? null,
    state: p.state ?? 'active',
    role: { slug: 'member' },
    roles: [{ slug: 'member' }],
    custom_attributes: {},
    raw_attributes: p.raw_attributes ?? scimUser(idpId, p),
    ...timestamps(env),
  });
}

/** What a SCIM provider sends for a user: the payload WorkOS keeps as `raw_attributes`. */
function scimUser(idpId: string, p: DirectoryPerson): JsonObject {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: idpId,
    userName: p.email,
    name: { givenName: p.first_name ?? null, familyName: p.last_name ?? null },
    emails: [{ primary: true, type: 'work', value: p.email }],
    title: p.job_title ?? null,
    active: (p.state ?? 'active') === 'active',
  };
}

export function insertDirectoryGroup(env: Environment, directory: Row, name: string): Row {
  const idpId = randomToken(env.random, 15);
  return env.state.directoryGroups.put({
    object: 'directory_group',
    id: env.newId('directory_group_'),
    idp_id: idpId,
    directory_id: directory.id,
    organization_id: directory.organization_id,
    name,
    raw_attributes: {
      id: idpId,
      displayName: name,
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    },
    ...timestamps(env),
  });
}

function groupIdsOf(env: Environment, userId: string): Set<string> {
  let set = env.state.groupMembers.get(userId);
  if (!set) {
    set = new Set();
    env.state.groupMembers.set(userId, set);
  }
  return set;
}

export function addToGroup(env: Environment, userId: string, groupId: string): void {
  groupIdsOf(env, userId).add(groupId);
}

export function removeFromGroup(env: Environment, userId: string, groupId: string): void {
  groupIdsOf(env, userId).delete(groupId);
}

/** A directory user with its `groups` (present on list and get; the SDK maps over it). */
export function directoryUserJson(env: Environment, user: Row): JsonObject {
  const groups = [...groupIdsOf(env, user.id)].map((id) => env.state.directoryGroups.get(id)).filter(Boolean);
  return { ...user, groups: groups as JsonObject[] };
}

function listDirectories(ctx: Context): Reply {
  const page = readPageParams(ctx.query);
  const org = ctx.query.get('organization_id');
  const search = ctx.query.get('search')?.toLowerCase();
  const domain = ctx.query.get('domain')?.toLowerCase();
  const rows = ctx.env.state.directories.filter(
    (d) =>
      (!org || d.organization_id === org) &&
      (!search || String(d.name).toLowerCase().includes(search)) &&
      (!domain || d.domain === domain),
  );
  return json(200, listEnvelope(paginate(rows, page)));
}

/** 202 text/plain "Accepted", as recorded; the directory's users and groups go with it. */
function deleteDirectory(ctx: Context): Reply {
  const { env } = ctx;
  const directory = requireRow(env.state.directories, param(ctx, 'id'), 'Directory');
  for (const table of [env.state.directoryUsers, env.state.directoryGroups]) {
    for (const row of table.filter((r) => r.directory_id === directory.id)) table.delete(row.id);
  }
  env.state.directories.delete(directory.id);
  env.emit('dsync.deleted', { ...directory, state: 'deleting' }, String(directory.organization_id));
  return text(202, 'Accepted');
}

/** The legacy 422 shape (D') WorkOS still answers on these two lists when the scope is missing. */
function missingScope(first: string, second: string): WorkOSError {
  const code = `Please provide either "${first}" or "${second}" parameters.`;
  return new WorkOSError(422, {
    message: 'Validation failed',
    errors: [
      { field: first, code },
      { field: second, code },
    ],
  });
}

function listDirectoryUsers(ctx: Context): Reply {
  const { env, query } = ctx;
  const directoryId = query.get('directory');
  const groupId = query.get('group');
  if (!directoryId && !groupId) throw missingScope('directory', 'group');
  const page = readPageParams(query);
  const scope = directoryId ?? String(env.state.directoryGroups.get(groupId ?? '')?.directory_id ?? groupId);
  env.limiter.hit(LIMITS.directoryUsers, scope);
  const rows = env.state.directoryUsers.filter(
    (u) =>
      (!directoryId || u.directory_id === directoryId) && (!groupId || groupIdsOf(env, u.id).has(groupId)),
  );
  const result = paginate(rows, page);
  return json(200, listEnvelope({ ...result, data: result.data.map((u) => directoryUserJson(env, u)) }));
}

function getDirectoryUser(ctx: Context): Reply {
  const user = requireRow(ctx.env.state.directoryUsers, param(ctx, 'id'), 'DirectoryUser');
  ctx.env.limiter.hit(LIMITS.directoryUsers, String(user.directory_id));
  return json(200, directoryUserJson(ctx.env, user));
}

function listDirectoryGroups(ctx: Context): Reply {
  const { env, query } = ctx;
  const directoryId = query.get('directory');
  const userId = query.get('user');
  if (!directoryId && !userId) throw missingScope('directory', 'user');
  const page = readPageParams(query);
  const memberOf = userId ? groupIdsOf(env, userId) : undefined;
  const rows = env.state.directoryGroups.filter(
    (g) => (!directoryId || g.directory_id === directoryId) && (!memberOf || memberOf.has(g.id)),
  );
  return json(200, listEnvelope(paginate(rows, page)));
}

export function registerDirectoryRoutes(router: Router): void {
  router
    .add('GET', '/directories', listDirectories)
    .add('GET', '/directories/{id}', (ctx) =>
      json(200, requireRow(ctx.env.state.directories, param(ctx, 'id'), 'Directory')),
    )
    .add('DELETE', '/directories/{id}', deleteDirectory)
    .add('GET', '/directory_users', listDirectoryUsers)
    .add('GET', '/directory_users/{id}', getDirectoryUser)
    .add('GET', '/directory_groups', listDirectoryGroups)
    .add('GET', '/directory_groups/{id}', (ctx) =>
      json(200, requireRow(ctx.env.state.directoryGroups, param(ctx, 'id'), 'DirectoryGroup')),
    );
}
