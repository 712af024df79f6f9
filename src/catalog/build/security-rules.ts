import { keyedByTemplate, templateKey } from '../template.js';
import type { Access, HttpMethod } from '../types.js';

/**
 * Hand-curated security facts (REFERENCE §8 and the seed). Keys are `METHOD /template`; parameter
 * names do not matter (they are normalized), so they are written the way WorkOS documents them.
 */

/** POSTs that only read (REFERENCE §8), and `POST /sso/token`, which the seed lists as a read. */
const READ_POSTS = keyedByTemplate({
  'POST /authorization/organization_memberships/{id}/check': true,
  'POST /api_keys/validations': true,
  'POST /vault/v1/keys/decrypt': true,
  'POST /agents/credentials/validate': true,
  'POST /sso/token': true,
});

/** Browser logouts are GETs that end a session (REFERENCE §1.3 "W (browser)"). */
const WRITE_GETS = keyedByTemplate({
  'GET /user_management/sessions/logout': true,
  'GET /sso/logout': true,
});

/** Semantic access: every GET reads and everything else writes, except the listed exceptions. */
export function accessFor(method: HttpMethod, path: string): Access {
  const key = templateKey(method, path);
  if (method === 'GET') return WRITE_GETS.has(key) ? 'write' : 'read';
  return READ_POSTS.has(key) ? 'read' : 'write';
}

/**
 * Served without the WorkOS API key: JWKS and the browser-redirect endpoints (REFERENCE §8), and
 * `GET /sso/profile`, which WorkOS authorizes with the end user's SSO access token itself (§5.1): the
 * caller's bearer is that token, never a Bollard token, so Bollard passes it through unchanged.
 */
const ANONYMOUS = keyedByTemplate({
  'GET /sso/jwks/{clientId}': true,
  'GET /sso/profile': true,
  'GET /sso/authorize': true,
  'GET /user_management/authorize': true,
  'GET /user_management/sessions/logout': true,
  'GET /sso/logout': true,
});

export function isAnonymous(method: HttpMethod, path: string): boolean {
  return ANONYMOUS.has(templateKey(method, path));
}

/** DELETEs that undo an association (a role assignment, a list entry) rather than destroy an object. */
const REVERSIBLE_DELETES = keyedByTemplate({
  'DELETE /feature-flags/{slug}/targets/{targetId}': true,
  'DELETE /organizations/{organizationId}/groups/{groupId}/organization-memberships/{omId}': true,
  'DELETE /authorization/organization_memberships/{id}/role_assignments': true,
  'DELETE /authorization/organization_memberships/{id}/role_assignments/{roleAssignmentId}': true,
  'DELETE /authorization/groups/{groupId}/role_assignments': true,
  'DELETE /authorization/groups/{groupId}/role_assignments/{roleAssignmentId}': true,
  'DELETE /authorization/organizations/{organizationId}/roles/{slug}/permissions/{permissionSlug}': true,
  'DELETE /radar/lists/{type}/{action}': true,
  'DELETE /user_management/users/{user_id}/authorized_applications/{application_id}': true,
});

/** Non-DELETE calls that are just as final: an expired API key cannot be revived. */
const DESTRUCTIVE_OTHERS = keyedByTemplate({ 'POST /api_keys/{id}/expire': true });

export function isDestructive(method: HttpMethod, path: string): boolean {
  const key = templateKey(method, path);
  if (method === 'DELETE') return !REVERSIBLE_DELETES.has(key);
  return DESTRUCTIVE_OTHERS.has(key);
}

const INVITATION = ['token', 'accept_invitation_url'];
const TOTP = ['totp.secret', 'totp.qr_code', 'totp.uri'];
const SESSION_TOKENS = ['access_token', 'refresh_token', 'oauth_tokens'];

/** Response fields that carry secrets. `data[].x` is field `x` of every item of a list. */
export const RESPONSE_SECRETS = keyedByTemplate<string[]>({
  'POST /user_management/magic_auth': ['code'],
  'GET /user_management/magic_auth/{id}': ['code'],
  'POST /auth/factors/{id}/challenge': ['code'],
  'POST /auth/factors/enroll': TOTP,
  'POST /user_management/users/{id}/auth_factors': [
    ...TOTP.map((field) => `authentication_factor.${field}`),
    'authentication_challenge.code',
  ],
  'POST /user_management/authenticate': [...SESSION_TOKENS, 'authkit_authorization_code'],
  'POST /sso/token': ['access_token', 'oauth_tokens'],
  'POST /user_management/authorize/device': ['device_code', 'user_code'],
  'POST /user_management/password_reset': ['password_reset_token', 'password_reset_url'],
  'GET /user_management/password_reset/{id}': ['password_reset_token', 'password_reset_url'],
  'GET /user_management/email_verification/{id}': ['code'],
  'GET /user_management/radar_challenges/{id}': ['code'],
  'GET /user_management/invitations': INVITATION.map((field) => `data[].${field}`),
  'POST /user_management/invitations': INVITATION,
  'GET /user_management/invitations/{id}': INVITATION,
  'GET /user_management/invitations/by_token/{token}': INVITATION,
  'POST /user_management/invitations/{id}/accept': INVITATION,
  'POST /user_management/invitations/{id}/resend': INVITATION,
  'POST /user_management/invitations/{id}/revoke': INVITATION,
  'GET /webhook_endpoints': ['data[].secret'],
  'POST /webhook_endpoints': ['secret'],
  'PATCH /webhook_endpoints/{id}': ['secret'],
  'POST /organizations/{organizationId}/api_keys': ['value'],
  'POST /user_management/users/{userId}/api_keys': ['value'],
  'POST /connect/applications/{id}/client_secrets': ['secret'],
  'POST /vault/v1/keys/data-key': ['data_key'],
  'POST /vault/v1/keys/decrypt': ['data_key'],
  'POST /vault/v1/keys/rekey': ['data_key'],
  'GET /vault/v1/kv/{id}': ['value'],
  'GET /vault/v1/kv/name/{name}': ['value'],
  'POST /portal/generate_link': ['link'],
  'POST /passwordless/sessions': ['link'],
  'POST /widgets/token': ['token'],
  'POST /client/token': ['token'],
  'POST /data-integrations/{slug}/token': ['access_token.access_token'],
  'POST /data-integrations/{slug}/credentials': ['credential.value'],
  'POST /agents/blueprints/{agentBlueprintId}/tokens': ['token'],
  'PATCH /agents/claims/attempts': ['user_code'],
  'POST /sso/logout/authorize': ['logout_token', 'logout_url'],
});

/** Request body fields that carry secrets; the audit log keeps only that they were present. */
export const REQUEST_SECRETS = keyedByTemplate<string[]>({
  'POST /user_management/authenticate': [
    'client_secret',
    'password',
    'code',
    'code_verifier',
    'refresh_token',
    'pending_authentication_token',
    'device_code',
    'invitation_token',
  ],
  'POST /sso/token': ['client_secret', 'code', 'code_verifier'],
  'POST /user_management/users': ['password', 'password_hash'],
  'PUT /user_management/users/{id}': ['password', 'password_hash'],
  'POST /user_management/password_reset/confirm': ['token', 'new_password'],
  'POST /user_management/users/{id}/email_verification/confirm': ['code'],
  'POST /user_management/users/{id}/email_change/confirm': ['code'],
  'POST /auth/challenges/{id}/verify': ['code'],
  'POST /user_management/users/{id}/auth_factors': ['totp_secret'],
  'POST /user_management/magic_auth': ['invitation_token'],
  'POST /user_management/radar_challenges': ['pending_authentication_token'],
  'POST /api_keys/validations': ['value'],
  'POST /agents/credentials/validate': ['credential'],
  'PATCH /agents/claims/attempts': ['claim_attempt_token'],
  'POST /vault/v1/keys/decrypt': ['keys'],
  'POST /vault/v1/kv': ['value'],
  'PUT /vault/v1/kv/{id}': ['value'],
  'POST /data-integrations': ['credentials', 'api_key'],
  'PUT /data-integrations/{slug}': ['credentials', 'api_key'],
  'PUT /data-integrations/{slug}/api-key': ['secret'],
  'POST /data-integrations/{slug}/api-key': ['secret'],
  'PUT /data-integrations/{slug}/client-credentials': ['client_secret'],
  'POST /data-integrations/{slug}/client-credentials': ['client_secret'],
  'PUT /organizations/{organizationId}/data_integration_configurations/{slug}': ['client_secret'],
  'POST /user_management/users/{user_id}/connected_accounts/{slug}': ['access_token', 'refresh_token'],
  'PUT /user_management/users/{user_id}/connected_accounts/{slug}': ['access_token', 'refresh_token'],
  'POST /organizations/{organizationId}/connected_accounts/{slug}': ['access_token', 'refresh_token'],
  'PUT /organizations/{organizationId}/connected_accounts/{slug}': ['access_token', 'refresh_token'],
});

/**
 * Path parameters that carry secrets, by their name in the canonical template: the audit log stores the
 * template's place for them as `[redacted]`, in `path` and in `resourceIds`.
 */
/** Endpoints whose body `client_secret` IS the WorkOS API key (the sign-in code and token exchanges). */
export const API_KEY_IN_BODY = keyedByTemplate<'client_secret'>({
  'POST /user_management/authenticate': 'client_secret',
  'POST /sso/token': 'client_secret',
});

export const PATH_SECRETS = keyedByTemplate<string[]>({
  'GET /user_management/invitations/by_token/{token}': ['token'],
});
