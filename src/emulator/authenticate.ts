import { type Context, type Environment, isoNow } from './context.js';
import { codedError, entityNotFound, oauthError, WorkOSError } from './errors.js';
import type { JsonObject } from './json.js';
import { signJwt } from './jwt.js';
import { redeemMagicCode } from './magic-auth.js';
import { checkChallenge } from './mfa.js';
import { verifyPassword } from './passwords.js';
import { randomToken } from './random.js';
import { LIMITS } from './rate-limits.js';
import { json, type Reply, redirect } from './reply.js';
import type { Router } from './router.js';
import { checkClient, consumeGrant, pkceMatches } from './sso.js';
import type { Grant, Row } from './state.js';
import { findUserByEmail } from './users.js';

// Access tokens live 5 minutes, refresh tokens 30 days, codes and pending tokens 10 minutes.
const ACCESS_TOKEN_SECONDS = 300;
const REFRESH_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
const CODE_LIFETIME_MS = 10 * 60 * 1000;

const GRANTS = {
  password: 'password',
  code: 'authorization_code',
  refresh: 'refresh_token',
  magic: 'urn:workos:oauth:grant-type:magic-auth:code',
  totp: 'urn:workos:oauth:grant-type:mfa-totp',
  orgSelection: 'urn:workos:oauth:grant-type:organization-selection',
};

function text(body: JsonObject, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw oauthError('invalid_request', `${key} is required.`);
  return value;
}

function requireUser(env: Environment, id: string | undefined): Row {
  const user = id ? env.state.users.get(id) : undefined;
  if (!user) throw oauthError('invalid_grant', 'The user no longer exists.');
  return user;
}

/** A session: RS256 access token (verifiable with `/sso/jwks/{clientId}`) and a rotating refresh token. */
async function issueSession(
  env: Environment,
  user: Row,
  method: string,
  organizationId?: string,
): Promise<Reply> {
  const orgId = organizationId ?? singleMembershipOrg(env, user.id);
  const membership = orgId
    ? env.state.memberships.find((m) => m.user_id === user.id && m.organization_id === orgId)
    : undefined;
  const sessionId = env.newId('session_');
  env.state.sessions.set(sessionId, { userId: user.id, revoked: false });
  const iat = Math.floor(env.now() / 1000);
  const claims: JsonObject = {
    iss: env.baseUrl,
    sub: user.id,
    sid: sessionId,
    jti: env.newId(''),
    iat,
    exp: iat + ACCESS_TOKEN_SECONDS,
  };
  if (orgId) claims.org_id = orgId;
  if (membership) claims.role = (membership.role as JsonObject).slug;
  const refreshToken = randomToken(env.random, 25);
  env.state.refreshTokens.set(refreshToken, {
    expiresAt: env.now() + REFRESH_LIFETIME_MS,
    used: false,
    userId: user.id,
    organizationId: orgId,
  });
  const signedIn = env.state.users.put({ ...user, last_sign_in_at: isoNow(env) });
  return json(200, {
    user: signedIn,
    ...(orgId ? { organization_id: orgId } : {}),
    access_token: await signJwt(env.keys, claims),
    refresh_token: refreshToken,
    authentication_method: method,
  });
}

function singleMembershipOrg(env: Environment, userId: string): string | undefined {
  const memberships = env.state.memberships.filter((m) => m.user_id === userId && m.status === 'active');
  return memberships.length === 1 ? String(memberships[0].organization_id) : undefined;
}

/** A user with TOTP factors must pass a challenge first: 403 `mfa_challenge` with a pending token. */
function mfaGate(env: Environment, user: Row): void {
  const factors = env.state.factors.filter((f) => f.user_id === user.id && f.type === 'totp');
  if (factors.length === 0) return;
  const token = randomToken(env.random, 25);
  env.state.pendingTokens.set(token, {
    expiresAt: env.now() + CODE_LIFETIME_MS,
    used: false,
    userId: user.id,
    factorIds: factors.map((f) => f.id),
  });
  throw new WorkOSError(403, {
    code: 'mfa_challenge',
    message: 'The user must complete an MFA challenge to finish authenticating.',
    pending_authentication_token: token,
    authentication_factors: factors.map((f) => ({ id: f.id, type: f.type })),
    user,
  });
}

async function passwordGrant(env: Environment, body: JsonObject): Promise<Reply> {
  const email = text(body, 'email').toLowerCase();
  const password = text(body, 'password');
  env.limiter.hit(LIMITS.authenticate, email);
  const user = findUserByEmail(env, email);
  if (!user) throw entityNotFound('User', email);
  const hash = env.state.passwordHashes.get(user.id);
  if (!hash || !(await verifyPassword(password, hash)))
    throw codedError(400, 'invalid_credentials', 'Invalid credentials.');
  mfaGate(env, user);
  return issueSession(env, user, 'Password');
}

async function magicGrant(env: Environment, body: JsonObject): Promise<Reply> {
  const email = text(body, 'email').toLowerCase();
  env.limiter.hit(LIMITS.authenticate, email);
  const user = findUserByEmail(env, email);
  if (!user) throw entityNotFound('User', email);
  redeemMagicCode(env, email, text(body, 'code'));
  if (!user.email_verified) env.state.users.put({ ...user, email_verified: true });
  return issueSession(env, requireUser(env, user.id), 'MagicAuth');
}

function takePending(env: Environment, body: JsonObject): Grant {
  const token = text(body, 'pending_authentication_token');
  const grant = consumeGrant(env, env.state.pendingTokens, token);
  if (!grant) {
    throw codedError(
      400,
      'invalid_pending_authentication_token',
      `The pending_authentication_token '${token}' has expired or is invalid.`,
    );
  }
  return grant;
}

async function totpGrant(env: Environment, body: JsonObject): Promise<Reply> {
  const challengeId = text(body, 'authentication_challenge_id');
  env.limiter.hit(LIMITS.authenticate, challengeId);
  const code = text(body, 'code');
  const pending = takePending(env, body);
  const challenge = env.state.challenges.get(challengeId);
  if (!challenge || !pending.factorIds?.includes(String(challenge.authentication_factor_id))) {
    pending.used = false;
    throw codedError(
      400,
      'authentication_challenge_not_found',
      `The authentication challenge '${challengeId}' was not found.`,
    );
  }
  if (!checkChallenge(env, challenge, code)) {
    pending.used = false; // a wrong code may be retried with the same pending token
    throw codedError(400, 'invalid_one_time_code', 'The one-time code is invalid.');
  }
  return issueSession(env, requireUser(env, pending.userId), 'Password');
}

async function codeGrant(env: Environment, body: JsonObject): Promise<Reply> {
  const grant = consumeGrant(env, env.state.authCodes, body.code);
  if (!grant || !pkceMatches(grant, body.code_verifier))
    throw oauthError('invalid_grant', 'The code has expired or is invalid.');
  return issueSession(env, requireUser(env, grant.userId), 'SSO', grant.organizationId);
}

async function refreshGrant(env: Environment, body: JsonObject): Promise<Reply> {
  const grant = consumeGrant(env, env.state.refreshTokens, body.refresh_token);
  if (!grant) throw oauthError('invalid_grant', 'Invalid refresh token.');
  const orgId = typeof body.organization_id === 'string' ? body.organization_id : grant.organizationId;
  return issueSession(env, requireUser(env, grant.userId), 'Password', orgId);
}

async function orgSelectionGrant(env: Environment, body: JsonObject): Promise<Reply> {
  const orgId = text(body, 'organization_id');
  const pending = takePending(env, body);
  const user = requireUser(env, pending.userId);
  if (!env.state.memberships.find((m) => m.user_id === user.id && m.organization_id === orgId)) {
    throw oauthError('organization_membership_not_found', 'The user is not a member of that organization.');
  }
  return issueSession(env, user, 'Password', orgId);
}

/** `POST /user_management/authenticate`: one endpoint, the flow chosen by `grant_type` (§2.4). */
async function authenticate(ctx: Context): Promise<Reply> {
  const { env, body } = ctx;
  const grantType = body.grant_type;
  const publicAllowed =
    grantType === GRANTS.refresh || (grantType === GRANTS.code && typeof body.code_verifier === 'string');
  checkClient(env, body, publicAllowed);
  switch (grantType) {
    case GRANTS.password:
      return passwordGrant(env, body);
    case GRANTS.magic:
      return magicGrant(env, body);
    case GRANTS.totp:
      return totpGrant(env, body);
    case GRANTS.code:
      return codeGrant(env, body);
    case GRANTS.refresh:
      return refreshGrant(env, body);
    case GRANTS.orgSelection:
      return orgSelectionGrant(env, body);
    default:
      throw oauthError('unsupported_grant_type', `The grant_type '${String(grantType)}' is not supported.`);
  }
}

/** The AuthKit browser step: signs in as `login_hint` (or the first user) and returns to `redirect_uri` with a code. */
function authorize(ctx: Context): Reply {
  const { env, query } = ctx;
  if (query.get('client_id') !== env.clientId) throw oauthError('invalid_client', 'Invalid client ID.');
  const redirectUri = query.get('redirect_uri');
  if (!redirectUri) throw oauthError('invalid_request', 'redirect_uri is required.');
  const target = new URL(redirectUri);
  const state = query.get('state');
  if (state !== null) target.searchParams.set('state', state);
  const hint = query.get('login_hint');
  const user = hint ? findUserByEmail(env, hint) : env.state.users.all()[0];
  if (!user) {
    target.searchParams.set('error', 'access_denied');
    return redirect(target.toString());
  }
  const code = randomToken(env.random, 32);
  env.state.authCodes.set(code, {
    expiresAt: env.now() + CODE_LIFETIME_MS,
    used: false,
    userId: user.id,
    organizationId: query.get('organization_id') ?? undefined,
    codeChallenge: query.get('code_challenge') ?? undefined,
  });
  target.searchParams.set('code', code);
  return redirect(target.toString());
}

/** Ends the session and sends the browser to `return_to`. */
function logout(ctx: Context): Reply {
  const session = ctx.env.state.sessions.get(ctx.query.get('session_id') ?? '');
  if (session) session.revoked = true;
  return redirect(ctx.query.get('return_to') ?? `${ctx.env.baseUrl}/`);
}

export function registerAuthenticateRoutes(router: Router): void {
  router
    .add('POST', '/user_management/authenticate', authenticate, 'client')
    .add('GET', '/user_management/authorize', authorize, 'none')
    .add('GET', '/user_management/sessions/logout', logout, 'none');
}
