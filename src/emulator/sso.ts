import { createHash } from 'node:crypto';
import { type Context, type Environment, param, timestamps } from './context.js';
import { entityNotFound, notFound, oauthError, WorkOSError } from './errors.js';
import type { JsonObject } from './json.js';
import { jwks } from './jwt.js';
import { listEnvelope, paginate, readPageParams } from './pagination.js';
import { randomToken } from './random.js';
import { LIMITS } from './rate-limits.js';
import { empty, json, type Reply, redirect } from './reply.js';
import type { Router } from './router.js';
import type { Grant, Row } from './state.js';
import { requireRow } from './table.js';

// SSO codes and access tokens live 10 minutes (`expires_in: 600`, §2.9).
const SSO_LIFETIME_MS = 10 * 60 * 1000;

export interface NewConnection {
  organizationId: string;
  name: string;
  connectionType: string;
  state?: string;
  domains?: string[];
}

/** Shared by the seed and the API. */
export function insertConnection(env: Environment, c: NewConnection): Row {
  return env.state.connections.put({
    object: 'connection',
    id: env.newId('conn_'),
    organization_id: c.organizationId,
    connection_type: c.connectionType,
    name: c.name,
    state: c.state ?? 'active',
    status: (c.state ?? 'active') === 'active' ? 'linked' : 'unlinked',
    domains: (c.domains ?? []).map((domain) => ({
      object: 'connection_domain',
      id: env.newId('conn_domain_'),
      domain,
    })),
    ...timestamps(env),
  });
}

/** A profile as `/sso/token` and `/sso/profile` return it, for a person the connection's IdP knows. */
export function buildProfile(
  env: Environment,
  connection: Row,
  person: {
    email: string;
    first_name?: string;
    last_name?: string;
    groups?: string[];
    role?: string;
    raw_attributes?: JsonObject;
  },
): JsonObject {
  const first = person.first_name ?? null;
  const last = person.last_name ?? null;
  const role = person.role ?? 'member';
  return {
    object: 'profile',
    id: env.newId('prof_'),
    idp_id: randomToken(env.random, 20),
    organization_id: (connection.organization_id as string | undefined) ?? null,
    connection_id: connection.id,
    connection_type: connection.connection_type,
    email: person.email,
    first_name: first,
    last_name: last,
    name: [first, last].filter(Boolean).join(' ') || null,
    role: { slug: role },
    roles: [{ slug: role }],
    groups: person.groups ?? [],
    custom_attributes: {},
    raw_attributes: person.raw_attributes ?? { email: person.email, given_name: first, family_name: last },
  };
}

function list(ctx: Context): Reply {
  const page = readPageParams(ctx.query);
  const type = ctx.query.get('connection_type');
  const org = ctx.query.get('organization_id');
  const domain = ctx.query.get('domain')?.toLowerCase();
  const rows = ctx.env.state.connections.filter(
    (c) =>
      (!type || c.connection_type === type) &&
      (!org || c.organization_id === org) &&
      (!domain || (c.domains as JsonObject[]).some((d) => d.domain === domain)),
  );
  return json(200, listEnvelope(paginate(rows, page)));
}

/** 204, as recorded. */
function remove(ctx: Context): Reply {
  const connection = requireRow(ctx.env.state.connections, param(ctx, 'id'), 'Connection');
  ctx.env.state.connections.delete(connection.id);
  ctx.env.state.connectionProfiles.delete(connection.id);
  ctx.env.emit('connection.deleted', connection, String(connection.organization_id));
  return empty(204);
}

function pickConnection(env: Environment, query: URLSearchParams): Row | undefined {
  const id = query.get('connection');
  if (id) return env.state.connections.get(id);
  const org = query.get('organization');
  if (org) return env.state.connections.find((c) => c.organization_id === org && c.state === 'active');
  const provider = query.get('provider');
  return provider ? env.state.connections.find((c) => c.connection_type === provider) : undefined;
}

/**
 * The browser step: WorkOS sends the user to the IdP, which comes back to `redirect_uri` with a
 * code. Here the IdP signs in at once as the connection's person named by `login_hint` (or its first).
 */
function authorize(ctx: Context): Reply {
  const { env, query } = ctx;
  const redirectUri = query.get('redirect_uri');
  if (query.get('client_id') !== env.clientId) throw oauthError('invalid_client', 'Invalid client ID.');
  if (!redirectUri) throw oauthError('invalid_request', 'redirect_uri is required.');
  if (query.get('response_type') !== 'code')
    throw oauthError('unsupported_response_type', 'response_type must be code.');
  const connection = pickConnection(env, query);
  const target = new URL(redirectUri);
  const state = query.get('state');
  if (state !== null) target.searchParams.set('state', state);
  if (!connection) {
    target.searchParams.set('error', 'connection_invalid');
    target.searchParams.set('error_description', 'No active connection matches the request.');
    return redirect(target.toString());
  }
  env.limiter.hit(LIMITS.ssoAuthorize, connection.id);
  const people = env.state.connectionProfiles.get(connection.id) ?? [];
  const hint = query.get('login_hint')?.toLowerCase();
  const fallback = `user@${(connection.domains as JsonObject[])[0]?.domain ?? 'example.com'}`;
  const profile =
    (hint && people.find((p) => p.email === hint)) ||
    people[0] ||
    buildProfile(env, connection, { email: hint || fallback });
  const code = randomToken(env.random, 32);
  env.state.ssoCodes.set(code, {
    expiresAt: env.now() + SSO_LIFETIME_MS,
    used: false,
    connectionId: connection.id,
    profile,
    codeChallenge: query.get('code_challenge') ?? undefined,
  });
  target.searchParams.set('code', code);
  return redirect(target.toString());
}

/** Checks `client_id` and `client_secret` (the API key, §5.2); PKCE clients may omit the secret. */
export function checkClient(env: Environment, body: JsonObject, publicAllowed: boolean): void {
  if (body.client_id !== env.clientId) throw oauthError('invalid_client', 'Invalid client ID or secret.');
  if (body.client_secret === undefined && publicAllowed) return;
  if (body.client_secret !== env.apiKey) throw oauthError('invalid_client', 'Invalid client ID or secret.');
}

/** RFC 7636 S256: base64url(SHA-256(verifier)) must equal the stored challenge. */
export function pkceMatches(grant: Grant, verifier: unknown): boolean {
  if (!grant.codeChallenge) return true;
  if (typeof verifier !== 'string') return false;
  return createHash('sha256').update(verifier).digest('base64url') === grant.codeChallenge;
}

/** Takes a single-use grant, or undefined when unknown, used or expired. */
export function consumeGrant(env: Environment, grants: Map<string, Grant>, code: unknown): Grant | undefined {
  const grant = typeof code === 'string' ? grants.get(code) : undefined;
  if (!grant || grant.used || grant.expiresAt < env.now()) return undefined;
  grant.used = true;
  return grant;
}

function token(ctx: Context): Reply {
  const { env, body } = ctx;
  checkClient(env, body, typeof body.code_verifier === 'string');
  if (body.grant_type !== 'authorization_code') {
    throw oauthError('unsupported_grant_type', 'grant_type must be authorization_code.');
  }
  const grant = consumeGrant(env, env.state.ssoCodes, body.code);
  if (!grant?.profile || !pkceMatches(grant, body.code_verifier)) {
    throw oauthError('invalid_grant', 'The code has expired or has already been used.');
  }
  const accessToken = randomToken(env.random, 40);
  env.state.ssoAccessTokens.set(accessToken, {
    expiresAt: env.now() + SSO_LIFETIME_MS,
    used: false,
    profile: grant.profile,
  });
  return json(200, {
    token_type: 'Bearer',
    access_token: accessToken,
    expires_in: 600,
    profile: grant.profile,
  });
}

/** `Authorization: Bearer <SSO access token>`, not the API key; 401 `{"error":"Unauthorized"}` otherwise. */
function profile(ctx: Context): Reply {
  const header = String(ctx.headers.authorization ?? '');
  const grant = ctx.env.state.ssoAccessTokens.get(header.replace(/^Bearer\s+/i, ''));
  if (!grant?.profile || grant.expiresAt < ctx.env.now())
    throw new WorkOSError(401, { error: 'Unauthorized' });
  return json(200, grant.profile);
}

async function jwksDocument(ctx: Context): Promise<Reply> {
  if (param(ctx, 'clientId') !== ctx.env.clientId) throw notFound();
  return json(200, await jwks(ctx.env.keys));
}

export function registerSsoRoutes(router: Router): void {
  router
    .add('GET', '/connections', list)
    .add('GET', '/connections/{id}', (ctx) =>
      json(200, requireRow(ctx.env.state.connections, param(ctx, 'id'), 'Connection')),
    )
    .add('DELETE', '/connections/{id}', remove)
    .add('GET', '/sso/authorize', authorize, 'none')
    .add('POST', '/sso/token', token, 'client')
    .add('GET', '/sso/profile', profile, 'none')
    .add('GET', '/sso/jwks/{clientId}', jwksDocument, 'none');
}

/** For control endpoints: a connection or its 404. */
export function requireConnection(env: Environment, id: string): Row {
  const row = env.state.connections.get(id);
  if (!row) throw entityNotFound('Connection', id);
  return row;
}
