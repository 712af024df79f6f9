import { type Context, type Environment, isoNow, param, timestamps } from './context.js';
import { codedError, type FieldError, throwIfInvalid, WorkOSError } from './errors.js';
import type { JsonObject } from './json.js';
import { listEnvelope, paginate, readPageParams } from './pagination.js';
import { hashPassword } from './passwords.js';
import { empty, json, type Reply } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';
import {
  isEmail,
  mergeMetadata,
  nullableString,
  optionalBoolean,
  optionalMetadata,
  optionalString,
  requiredString,
} from './validate.js';

export interface NewUser {
  email: string;
  id?: string;
  first_name?: string | null;
  last_name?: string | null;
  email_verified?: boolean;
  external_id?: string | null;
  metadata?: JsonObject;
}

/** Shared by the API, magic auth (which signs up unknown emails) and the seed. */
export function insertUser(env: Environment, fields: NewUser): Row {
  const first = fields.first_name ?? null;
  const last = fields.last_name ?? null;
  return env.state.users.put({
    object: 'user',
    id: fields.id ?? env.newId('user_'),
    email: fields.email.toLowerCase(),
    email_verified: fields.email_verified ?? false,
    first_name: first,
    last_name: last,
    name: [first, last].filter(Boolean).join(' ') || null,
    profile_picture_url: null,
    last_sign_in_at: null,
    locale: null,
    external_id: fields.external_id ?? null,
    metadata: fields.metadata ?? {},
    ...timestamps(env),
  });
}

export function findUserByEmail(env: Environment, email: string): Row | undefined {
  const wanted = email.toLowerCase();
  return env.state.users.find((u) => u.email === wanted);
}

function assertEmailFree(env: Environment, email: string, self?: string): void {
  const other = findUserByEmail(env, email);
  if (other && other.id !== self) {
    throw new WorkOSError(400, {
      code: 'user_creation_error',
      message: 'Could not create user.',
      errors: [{ code: 'email_not_available', message: 'This email is not available.' }],
    });
  }
}

function readPassword(body: JsonObject, errors: FieldError[]): string | undefined {
  const password = optionalString(body, 'password', errors);
  if (password !== undefined && body.password_hash !== undefined) {
    throw codedError(
      400,
      'password_and_password_hash_provided',
      'Provide either password or password_hash, not both.',
    );
  }
  return password;
}

async function create(ctx: Context): Promise<Reply> {
  const { env, body } = ctx;
  const errors: FieldError[] = [];
  const email = requiredString(body, 'email', errors);
  if (email && !isEmail(email))
    errors.push({ field: 'email', code: 'invalid_email', message: 'Email is invalid.' });
  const password = readPassword(body, errors);
  const fields: NewUser = {
    email,
    first_name: nullableString(body, 'first_name', errors),
    last_name: nullableString(body, 'last_name', errors),
    email_verified: optionalBoolean(body, 'email_verified', errors),
    external_id: nullableString(body, 'external_id', errors),
    metadata: optionalMetadata(body, errors) as JsonObject | undefined,
  };
  throwIfInvalid(errors);
  assertEmailFree(env, email);
  const hash = password === undefined ? undefined : await hashPassword(password);
  const user = insertUser(env, fields);
  if (hash) env.state.passwordHashes.set(user.id, hash);
  env.emit('user.created', user);
  return json(201, user);
}

function get(ctx: Context): Reply {
  return json(200, requireRow(ctx.env.state.users, param(ctx, 'id'), 'User'));
}

function getByExternalId(ctx: Context): Reply {
  const id = param(ctx, 'externalId');
  const user = ctx.env.state.users.find((u) => u.external_id === id);
  if (!user)
    throw new WorkOSError(404, {
      message: `User not found: '${id}'.`,
      code: 'entity_not_found',
      entity_id: id,
    });
  return json(200, user);
}

function list(ctx: Context): Reply {
  const { env, query } = ctx;
  const page = readPageParams(query);
  const email = query.get('email')?.toLowerCase();
  const org = query.get('organization_id') ?? query.get('organization');
  const members = org
    ? new Set(env.state.memberships.filter((m) => m.organization_id === org).map((m) => m.user_id))
    : undefined;
  const rows = env.state.users.filter(
    (u) => (!email || u.email === email) && (!members || members.has(u.id)),
  );
  return json(200, listEnvelope(paginate(rows, page)));
}

async function update(ctx: Context): Promise<Reply> {
  const { env, body } = ctx;
  const user = requireRow(env.state.users, param(ctx, 'id'), 'User');
  const errors: FieldError[] = [];
  const next: Row = { ...user, updated_at: isoNow(env) };
  const email = optionalString(body, 'email', errors);
  if (email !== undefined && !isEmail(email))
    errors.push({ field: 'email', code: 'invalid_email', message: 'Email is invalid.' });
  for (const field of ['first_name', 'last_name', 'external_id', 'locale'] as const) {
    const value = nullableString(body, field, errors);
    if (value !== undefined) next[field] = value;
  }
  const verified = optionalBoolean(body, 'email_verified', errors);
  const metadata = optionalMetadata(body, errors, true);
  const password = readPassword(body, errors);
  throwIfInvalid(errors);
  if (email !== undefined) {
    assertEmailFree(env, email, user.id);
    next.email = email.toLowerCase();
  }
  if (verified !== undefined) next.email_verified = verified;
  if (metadata) next.metadata = mergeMetadata(user.metadata, metadata);
  next.name =
    optionalString(body, 'name', errors) ??
    ([next.first_name, next.last_name].filter(Boolean).join(' ') || null);
  if (password !== undefined) env.state.passwordHashes.set(user.id, await hashPassword(password));
  env.state.users.put(next);
  env.emit('user.updated', next);
  return json(200, next);
}

/** 200 with an empty body and no content type, as recorded; memberships and factors go with the user. */
function remove(ctx: Context): Reply {
  const { env } = ctx;
  const user = requireRow(env.state.users, param(ctx, 'id'), 'User');
  for (const table of [env.state.memberships, env.state.factors]) {
    for (const row of table.filter((r) => r.user_id === user.id)) table.delete(row.id);
  }
  env.state.users.delete(user.id);
  env.state.passwordHashes.delete(user.id);
  env.emit('user.deleted', user);
  return empty(200);
}

export function registerUserRoutes(router: Router): void {
  router
    .add('POST', '/user_management/users', create)
    .add('GET', '/user_management/users', list)
    .add('GET', '/user_management/users/external_id/{externalId}', getByExternalId)
    .add('GET', '/user_management/users/{id}', get)
    .add('PUT', '/user_management/users/{id}', update)
    .add('DELETE', '/user_management/users/{id}', remove);
}
