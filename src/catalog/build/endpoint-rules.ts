import type { RateLimitRuleName } from '../rate-limits.js';
import { keyedByTemplate } from '../template.js';

/** Per-endpoint curation beyond security: ids, webhook events, limits, legacy rows. Keys as in security-rules. */

/** Ids the naming rule would get wrong or make ambiguous. */
export const ID_OVERRIDES = keyedByTemplate<string>({
  'POST /user_management/authenticate': 'users.authenticate',
  'GET /sso/authorize': 'sso.authorize',
  'GET /user_management/authorize': 'users.authorize',
  'POST /user_management/authorize/device': 'users.authorize_device',
  'GET /user_management/sessions/logout': 'sessions.logout',
  'GET /sso/jwks/{clientId}': 'sessions.get_jwks',
  'GET /sso/logout': 'sso.logout',
  'POST /sso/logout/authorize': 'sso.authorize_logout',
  'GET /roles': 'roles.list_legacy',
  'GET /organizations/{id}/roles': 'roles.list_organization_roles_legacy',
  'GET /authorization/organization_memberships/{omId}/resources/{resourceId}/permissions':
    'authorization.list_effective_permissions_by_membership',
  'GET /sdk/feature-flags': 'feature_flags.poll',
  'POST /connect/applications': 'connect.create_application',
  'POST /authkit/oauth2/complete': 'connect.complete_oauth2',
  'POST /client/token': 'widgets.create_client_token',
  'GET /audit_logs/actions': 'audit_logs.list_actions',
  'POST /api_keys/{id}/expire': 'api_keys.expire',
  'GET /organizations/{id}/audit_log_configuration': 'audit_logs.get_organization_configuration',
  'GET /user_management/radar_challenges/{id}': 'radar.get_challenge',
  'GET /organizations/{organizationId}/data_integration_configurations': 'pipes.list_organization_providers',
  'PUT /organizations/{organizationId}/data_integration_configurations/{slug}':
    'pipes.configure_organization_provider',
  'GET /organizations/{organization_id}/authorized_applications':
    'connect.list_organization_authorized_applications',
  'GET /user_management/users/{user_id}/authorized_applications': 'connect.list_user_authorized_applications',
  'DELETE /user_management/users/{user_id}/authorized_applications/{application_id}':
    'connect.delete_user_authorized_application',
  'POST /user_management/users/{id}/email_change/send': 'users.send_email_change',
  'POST /user_management/users/{id}/email_change/confirm': 'users.confirm_email_change',
  'GET /user_management/cors_origins': 'authkit_config.list_cors_origins',
  'POST /user_management/cors_origins': 'authkit_config.create_cors_origin',
  'GET /user_management/redirect_uris': 'authkit_config.list_redirect_uris',
  'POST /user_management/redirect_uris': 'authkit_config.create_redirect_uri',
  'DELETE /user_management/redirect_uris/{id}': 'authkit_config.delete_redirect_uri',
  'GET /user_management/jwt_template': 'authkit_config.get_jwt_template',
  'PUT /user_management/jwt_template': 'authkit_config.update_jwt_template',
});

/** Seed rows kept although today's API serves another path (REFERENCE §1.2), and what replaces them. */
export const LEGACY = keyedByTemplate<{ replacedBy: string; note: string }>({
  'GET /roles': {
    replacedBy: 'GET /authorization/roles',
    note: 'No SDK ever called /roles and it is absent from the OpenAPI spec; SDK v11 lists environment roles with GET /authorization/roles.',
  },
  'GET /organizations/{id}/roles': {
    replacedBy: 'GET /authorization/organizations/{organizationId}/roles',
    note: 'Called only by SDK v7.36–v8.13 and removed in v9; SDK v11 uses GET /authorization/organizations/{organizationId}/roles.',
  },
});

const AUTHENTICATION_EVENTS = [
  'authentication.password_succeeded',
  'authentication.password_failed',
  'authentication.magic_auth_succeeded',
  'authentication.magic_auth_failed',
  'authentication.email_verification_succeeded',
  'authentication.mfa_succeeded',
  'authentication.oauth_succeeded',
  'authentication.oauth_failed',
  'authentication.radar_risk_detected',
  'session.created',
];

/** Webhook events each call triggers: the seed's, plus the ones the SDK v11 knows that follow from a call. */
export const WEBHOOK_EVENTS = keyedByTemplate<string[]>({
  'POST /user_management/users': ['user.created'],
  'PUT /user_management/users/{id}': ['user.updated'],
  'DELETE /user_management/users/{id}': ['user.deleted'],
  'POST /user_management/authenticate': AUTHENTICATION_EVENTS,
  'POST /user_management/magic_auth': ['magic_auth.created'],
  'POST /organizations': ['organization.created'],
  'PUT /organizations/{id}': ['organization.updated'],
  'DELETE /organizations/{id}': ['organization.deleted'],
  'POST /organization_domains': ['organization_domain.created'],
  'POST /organization_domains/{id}/verify': [
    'organization_domain.verified',
    'organization_domain.verification_failed',
  ],
  'DELETE /organization_domains/{id}': ['organization_domain.deleted'],
  'DELETE /connections/{id}': ['connection.deleted'],
  'DELETE /directories/{id}': ['dsync.deleted'],
  'POST /user_management/organization_memberships': ['organization_membership.created'],
  'PUT /user_management/organization_memberships/{id}': ['organization_membership.updated'],
  'PUT /user_management/organization_memberships/{id}/deactivate': ['organization_membership.updated'],
  'PUT /user_management/organization_memberships/{id}/reactivate': ['organization_membership.updated'],
  'DELETE /user_management/organization_memberships/{id}': ['organization_membership.deleted'],
  'POST /user_management/invitations': ['invitation.created'],
  'POST /user_management/invitations/{id}/accept': ['invitation.accepted'],
  'POST /user_management/invitations/{id}/revoke': ['invitation.revoked'],
  'POST /user_management/invitations/{id}/resend': ['invitation.resent'],
  'POST /user_management/password_reset': ['password_reset.created'],
  'POST /user_management/password_reset/confirm': ['password_reset.succeeded'],
  'POST /user_management/users/{id}/email_verification/send': ['email_verification.created'],
  'POST /user_management/sessions/revoke': ['session.revoked'],
  'GET /user_management/sessions/logout': ['session.revoked'],
  'POST /authorization/roles': ['role.created'],
  'PATCH /authorization/roles/{slug}': ['role.updated'],
  'PUT /authorization/roles/{slug}/permissions': ['role.updated'],
  'POST /authorization/roles/{slug}/permissions': ['role.updated'],
  'POST /authorization/organizations/{organizationId}/roles': ['organization_role.created'],
  'PATCH /authorization/organizations/{organizationId}/roles/{slug}': ['organization_role.updated'],
  'DELETE /authorization/organizations/{organizationId}/roles/{slug}': ['organization_role.deleted'],
  'PUT /authorization/organizations/{organizationId}/roles/{slug}/permissions': ['organization_role.updated'],
  'POST /authorization/organizations/{organizationId}/roles/{slug}/permissions': [
    'organization_role.updated',
  ],
  'DELETE /authorization/organizations/{organizationId}/roles/{slug}/permissions/{permissionSlug}': [
    'organization_role.updated',
  ],
  'POST /authorization/permissions': ['permission.created'],
  'PATCH /authorization/permissions/{slug}': ['permission.updated'],
  'DELETE /authorization/permissions/{slug}': ['permission.deleted'],
  'POST /organizations/{organizationId}/api_keys': ['api_key.created'],
  'POST /user_management/users/{userId}/api_keys': ['api_key.created'],
  'DELETE /api_keys/{id}': ['api_key.revoked'],
  'POST /api_keys/{id}/expire': ['api_key.revoked'],
  'PUT /feature-flags/{slug}/enable': ['flag.updated'],
  'PUT /feature-flags/{slug}/disable': ['flag.updated'],
  'POST /feature-flags/{slug}/targets/{targetId}': ['flag.rule_updated'],
  'DELETE /feature-flags/{slug}/targets/{targetId}': ['flag.rule_updated'],
  'POST /organizations/{organizationId}/groups': ['group.created'],
  'PATCH /organizations/{organizationId}/groups/{groupId}': ['group.updated'],
  'DELETE /organizations/{organizationId}/groups/{groupId}': ['group.deleted'],
  'POST /organizations/{organizationId}/groups/{groupId}/organization-memberships': ['group.member_added'],
  'DELETE /organizations/{organizationId}/groups/{groupId}/organization-memberships/{omId}': [
    'group.member_removed',
  ],
  'POST /user_management/users/{user_id}/connected_accounts/{slug}': ['pipes.connected_account.connected'],
  'DELETE /user_management/users/{user_id}/connected_accounts/{slug}': [
    'pipes.connected_account.disconnected',
  ],
  'POST /organizations/{organizationId}/connected_accounts/{slug}': ['pipes.connected_account.connected'],
  'DELETE /organizations/{organizationId}/connected_accounts/{slug}': [
    'pipes.connected_account.disconnected',
  ],
  'POST /vault/v1/kv': ['vault.data.created'],
  'PUT /vault/v1/kv/{id}': ['vault.data.updated'],
  'GET /vault/v1/kv/{id}': ['vault.data.read'],
  'GET /vault/v1/kv/name/{name}': ['vault.data.read'],
  'DELETE /vault/v1/kv/{id}': ['vault.data.deleted'],
  'GET /vault/v1/kv': ['vault.names.listed'],
  'GET /vault/v1/kv/{id}/metadata': ['vault.metadata.read'],
  'POST /vault/v1/keys/data-key': ['vault.dek.read'],
  'POST /vault/v1/keys/decrypt': ['vault.dek.decrypted'],
});

/** WorkOS's endpoint-specific limits (seed + REFERENCE §4.4). AuthKit's shared counters are added by path. */
export const RATE_LIMITS = keyedByTemplate<RateLimitRuleName[]>({
  'POST /user_management/authenticate': ['AUTHENTICATE_PER_EMAIL', 'AUTHENTICATE_PER_CHALLENGE'],
  'POST /user_management/magic_auth': ['MAGIC_AUTH_PER_EMAIL'],
  'POST /user_management/users/{id}/email_verification/send': ['EMAIL_VERIFICATION_PER_USER'],
  'POST /user_management/password_reset': ['PASSWORD_RESET_PER_EMAIL'],
  'GET /directory_users': ['DIRECTORY_USERS_PER_DIRECTORY'],
  'GET /directory_users/{id}': ['DIRECTORY_USER_GET_PER_DIRECTORY'],
  'GET /sso/authorize': ['SSO_AUTHORIZE_PER_CONNECTION'],
  'DELETE /organizations/{id}': ['ORGANIZATION_DELETE_PER_KEY'],
});

/** What a call acts on, where the last path word says it badly. */
export const ACTS_ON = keyedByTemplate<string>({
  'POST /user_management/authenticate': 'session',
  'GET /sso/authorize': 'authorization url',
  'GET /user_management/authorize': 'authorization url',
  'GET /vault/v1/kv': 'vault object',
  'POST /vault/v1/kv': 'vault object',
  'GET /vault/v1/kv/{id}': 'vault object',
  'PUT /vault/v1/kv/{id}': 'vault object',
  'DELETE /vault/v1/kv/{id}': 'vault object',
  'GET /vault/v1/kv/name/{name}': 'vault object',
  'GET /events': 'event',
  'GET /sso/jwks/{clientId}': 'JSON web key set',
});

/** Summaries for SDK-only calls whose method name says too little. */
export const SUMMARIES = keyedByTemplate<string>({
  'GET /sdk/feature-flags':
    "Fetch every feature flag and its rules for the SDK's runtime client (a background poll).",
  'POST /agents/blueprints/{agentBlueprintId}/tokens': 'Mint an access token for an agent blueprint.',
  'POST /passwordless/sessions': 'Create a passwordless (Magic Link) session for an email address.',
  'POST /passwordless/sessions/{sessionId}/send': 'Email the passwordless session link to its user.',
});
