import { type Context, isoNow, param } from './context.js';
import {
  addToGroup,
  type DirectoryPerson,
  directoryUserJson,
  insertDirectoryGroup,
  insertDirectoryUser,
  removeFromGroup,
} from './directories.js';
import { type FieldError, throwIfInvalid } from './errors.js';
import type { JsonObject } from './json.js';
import { json, type Reply } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';
import { requiredString } from './validate.js';

// What a directory provider pushes is "in-app only" for WorkOS (dsync.*): tests drive it from here.

function orgOf(row: Row): string {
  return String(row.organization_id);
}

function activate(ctx: Context): Reply {
  const directory = requireRow(ctx.env.state.directories, param(ctx, 'id'), 'Directory');
  const next = ctx.env.state.directories.put({ ...directory, state: 'linked', updated_at: isoNow(ctx.env) });
  ctx.env.emit('dsync.activated', next, orgOf(next));
  return json(200, next);
}

function readPerson(body: JsonObject): DirectoryPerson {
  const errors: FieldError[] = [];
  const email = requiredString(body, 'email', errors);
  throwIfInvalid(errors);
  const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : undefined);
  return {
    email,
    first_name: text('first_name'),
    last_name: text('last_name'),
    job_title: text('job_title'),
    state: text('state'),
    raw_attributes: (body.raw_attributes as JsonObject | undefined) ?? undefined,
  };
}

function createUser(ctx: Context): Reply {
  const { env } = ctx;
  const directory = requireRow(env.state.directories, param(ctx, 'id'), 'Directory');
  const user = insertDirectoryUser(env, directory, readPerson(ctx.body));
  for (const groupId of Array.isArray(ctx.body.groups) ? ctx.body.groups : [])
    addToGroup(env, user.id, String(groupId));
  const out = directoryUserJson(env, user);
  env.emit('dsync.user.created', out, orgOf(user));
  return json(201, out);
}

/** dsync.user.updated carries `previous_attributes`: the old values of the fields that changed. */
function updateUser(ctx: Context): Reply {
  const { env, body } = ctx;
  const user = requireRow(env.state.directoryUsers, param(ctx, 'id'), 'DirectoryUser');
  const next: Row = { ...user, updated_at: isoNow(env) };
  const previous: JsonObject = {};
  for (const key of [
    'email',
    'first_name',
    'last_name',
    'job_title',
    'state',
    'raw_attributes',
    'custom_attributes',
  ]) {
    if (body[key] !== undefined && JSON.stringify(body[key]) !== JSON.stringify(user[key])) {
      previous[key] = user[key];
      next[key] = body[key];
    }
  }
  env.state.directoryUsers.put(next);
  const out = { ...directoryUserJson(env, next), previous_attributes: previous };
  env.emit('dsync.user.updated', out, orgOf(next));
  return json(200, out);
}

function deleteUser(ctx: Context): Reply {
  const { env } = ctx;
  const user = requireRow(env.state.directoryUsers, param(ctx, 'id'), 'DirectoryUser');
  const out = directoryUserJson(env, { ...user, state: 'inactive' });
  env.state.directoryUsers.delete(user.id);
  env.state.groupMembers.delete(user.id);
  env.emit('dsync.user.deleted', out, orgOf(user));
  return json(200, out);
}

function createGroup(ctx: Context): Reply {
  const directory = requireRow(ctx.env.state.directories, param(ctx, 'id'), 'Directory');
  const errors: FieldError[] = [];
  const name = requiredString(ctx.body, 'name', errors);
  throwIfInvalid(errors);
  const group = insertDirectoryGroup(ctx.env, directory, name);
  ctx.env.emit('dsync.group.created', group, orgOf(group));
  return json(201, group);
}

function updateGroup(ctx: Context): Reply {
  const group = requireRow(ctx.env.state.directoryGroups, param(ctx, 'id'), 'DirectoryGroup');
  const errors: FieldError[] = [];
  const name = requiredString(ctx.body, 'name', errors);
  throwIfInvalid(errors);
  const next = ctx.env.state.directoryGroups.put({ ...group, name, updated_at: isoNow(ctx.env) });
  ctx.env.emit('dsync.group.updated', { ...next, previous_attributes: { name: group.name } }, orgOf(next));
  return json(200, next);
}

function deleteGroup(ctx: Context): Reply {
  const group = requireRow(ctx.env.state.directoryGroups, param(ctx, 'id'), 'DirectoryGroup');
  ctx.env.state.directoryGroups.delete(group.id);
  for (const groups of ctx.env.state.groupMembers.values()) groups.delete(group.id);
  ctx.env.emit('dsync.group.deleted', group, orgOf(group));
  return json(200, group);
}

function membership(added: boolean) {
  return (ctx: Context): Reply => {
    const { env } = ctx;
    const group = requireRow(env.state.directoryGroups, param(ctx, 'id'), 'DirectoryGroup');
    const user = requireRow(env.state.directoryUsers, param(ctx, 'userId'), 'DirectoryUser');
    (added ? addToGroup : removeFromGroup)(env, user.id, group.id);
    const data = { directory_id: group.directory_id, user: directoryUserJson(env, user), group };
    env.emit(added ? 'dsync.group.user_added' : 'dsync.group.user_removed', data, orgOf(group));
    return json(200, data);
  };
}

export function registerDirectoryControl(router: Router): void {
  router
    .add('POST', '/_emulator/directories/{id}/activate', activate)
    .add('POST', '/_emulator/directories/{id}/users', createUser)
    .add('PUT', '/_emulator/directory_users/{id}', updateUser)
    .add('DELETE', '/_emulator/directory_users/{id}', deleteUser)
    .add('POST', '/_emulator/directories/{id}/groups', createGroup)
    .add('PUT', '/_emulator/directory_groups/{id}', updateGroup)
    .add('DELETE', '/_emulator/directory_groups/{id}', deleteGroup)
    .add('POST', '/_emulator/directory_groups/{id}/users/{userId}', membership(true))
    .add('DELETE', '/_emulator/directory_groups/{id}/users/{userId}', membership(false));
}
