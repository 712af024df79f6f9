import { ENDPOINTS } from './data/endpoints.js';
import type { CatalogEndpoint, CatalogEvent } from './types.js';

/** An event as written here; `triggeredBy` is derived from the endpoints' `webhookEvents`, so the two cannot drift. */
interface EventDefinition {
  name: string;
  area: string;
  summary: string;
  /** The seed's "Triggered by" wording, for the seed's 21 events. */
  seedTrigger?: string;
}

const IN_APP = 'In-app only';

/** The seed's 21 events, in its order and wording. */
const SEED_EVENTS: readonly EventDefinition[] = [
  ['user.created', 'users', 'Fires when a user is created in User Management.', '/user_management/users'],
  ['user.updated', 'users', "Fires when a user's attributes are updated.", '/user_management/users/{id}'],
  ['user.deleted', 'users', 'Fires when a user is deleted.', '/user_management/users/{id}'],
  [
    'magic_auth.created',
    'magic_auth',
    'Fires when a Magic Auth one-time code is created.',
    '/user_management/magic_auth',
  ],
  ['organization.created', 'organizations', 'Fires when an organization is created.', '/organizations'],
  ['organization.updated', 'organizations', 'Fires when an organization is updated.', '/organizations/{id}'],
  ['organization.deleted', 'organizations', 'Fires when an organization is deleted.', '/organizations/{id}'],
  [
    'organization_domain.created',
    'organization_domains',
    'Fires when an organization domain is created.',
    '/organization_domains',
  ],
  [
    'organization_domain.verified',
    'organization_domains',
    'Fires when an organization domain passes verification.',
    '/organization_domains/{id}/verify',
  ],
  ['connection.activated', 'sso', 'Fires when an SSO connection is activated and ready for sign-in.', IN_APP],
  ['connection.deactivated', 'sso', 'Fires when an SSO connection is deactivated.', IN_APP],
  ['connection.deleted', 'sso', 'Fires when an SSO connection is deleted.', '/connections/{id}'],
  [
    'dsync.activated',
    'directory_sync',
    'Fires when a directory connection is activated and begins syncing.',
    IN_APP,
  ],
  ['dsync.deleted', 'directory_sync', 'Fires when a directory connection is deleted.', '/directories/{id}'],
  ['dsync.user.created', 'directory_sync', 'Fires when a user is added to a synced directory.', IN_APP],
  ['dsync.user.updated', 'directory_sync', "Fires when a directory user's attributes change.", IN_APP],
  ['dsync.user.deleted', 'directory_sync', 'Fires when a user is removed from a synced directory.', IN_APP],
  ['dsync.group.created', 'directory_sync', 'Fires when a group is created in a synced directory.', IN_APP],
  ['dsync.group.updated', 'directory_sync', 'Fires when a directory group changes.', IN_APP],
  ['dsync.group.deleted', 'directory_sync', 'Fires when a group is deleted from a synced directory.', IN_APP],
  ['authentication.sso_succeeded', 'sso', 'Fires when a single sign-on authentication succeeds.', IN_APP],
].map(([name = '', area = '', summary = '', seedTrigger = '']) => ({ name, area, summary, seedTrigger }));

/** The other events the SDK v11 deserializer knows (REFERENCE §6.3), each with the area whose data it carries. */
const SDK_EVENTS: ReadonlyArray<readonly [string, string, string]> = [
  [
    'authentication.email_verification_succeeded',
    'email_verification',
    'A user signed in by verifying their email.',
  ],
  ['authentication.magic_auth_failed', 'magic_auth', 'A Magic Auth sign-in failed.'],
  ['authentication.magic_auth_succeeded', 'magic_auth', 'A Magic Auth sign-in succeeded.'],
  ['authentication.mfa_succeeded', 'mfa', 'A user passed a multi-factor challenge.'],
  ['authentication.oauth_failed', 'users', 'An OAuth sign-in failed.'],
  ['authentication.oauth_succeeded', 'users', 'An OAuth sign-in succeeded.'],
  ['authentication.passkey_failed', 'users', 'A passkey sign-in failed.'],
  ['authentication.passkey_succeeded', 'users', 'A passkey sign-in succeeded.'],
  ['authentication.password_failed', 'users', 'A password sign-in failed.'],
  ['authentication.password_succeeded', 'users', 'A password sign-in succeeded.'],
  ['authentication.sso_failed', 'sso', 'A single sign-on authentication failed.'],
  ['authentication.radar_risk_detected', 'radar', 'Radar flagged a sign-in attempt as risky.'],
  ['dsync.group.user_added', 'directory_sync', 'A directory user was added to a directory group.'],
  ['dsync.group.user_removed', 'directory_sync', 'A directory user was removed from a directory group.'],
  ['email_verification.created', 'email_verification', 'An email verification code was created and sent.'],
  ['invitation.accepted', 'invitations', 'An invitation was accepted.'],
  ['invitation.created', 'invitations', 'An invitation was created.'],
  ['invitation.revoked', 'invitations', 'An invitation was revoked.'],
  ['invitation.resent', 'invitations', 'An invitation was sent again.'],
  ['password_reset.created', 'password_reset', 'A password reset token was created.'],
  ['password_reset.succeeded', 'password_reset', 'A password was reset.'],
  ['organization_membership.created', 'organization_memberships', 'A user was added to an organization.'],
  ['organization_membership.updated', 'organization_memberships', "A membership's role or status changed."],
  ['organization_membership.deleted', 'organization_memberships', 'A user was removed from an organization.'],
  ['role.created', 'roles', 'An environment role was created.'],
  ['role.updated', 'roles', 'An environment role or its permissions changed.'],
  ['role.deleted', 'roles', 'An environment role was deleted.'],
  ['organization_role.created', 'roles', 'A custom organization role was created.'],
  ['organization_role.updated', 'roles', 'A custom organization role or its permissions changed.'],
  ['organization_role.deleted', 'roles', 'A custom organization role was deleted.'],
  ['permission.created', 'roles', 'A permission was created.'],
  ['permission.updated', 'roles', 'A permission was updated.'],
  ['permission.deleted', 'roles', 'A permission was deleted.'],
  ['session.created', 'sessions', 'A user session was created by a successful sign-in.'],
  ['session.revoked', 'sessions', 'A user session was revoked.'],
  [
    'organization_domain.verification_failed',
    'organization_domains',
    'An organization domain failed verification.',
  ],
  ['organization_domain.updated', 'organization_domains', 'An organization domain changed.'],
  ['organization_domain.deleted', 'organization_domains', 'An organization domain was deleted.'],
  ['api_key.created', 'api_keys', 'An API key was created.'],
  ['api_key.revoked', 'api_keys', 'An API key was revoked, deleted or expired.'],
  ['flag.created', 'feature_flags', 'A feature flag was created.'],
  ['flag.updated', 'feature_flags', 'A feature flag was enabled, disabled or changed.'],
  ['flag.deleted', 'feature_flags', 'A feature flag was deleted.'],
  ['flag.rule_updated', 'feature_flags', "A feature flag's targeting changed."],
  ['group.created', 'groups', 'A group was created.'],
  ['group.updated', 'groups', 'A group was updated.'],
  ['group.deleted', 'groups', 'A group was deleted.'],
  ['group.member_added', 'groups', 'An organization member was added to a group.'],
  ['group.member_removed', 'groups', 'An organization member was removed from a group.'],
  ['pipes.connected_account.connected', 'pipes', 'A connected account was connected.'],
  ['pipes.connected_account.disconnected', 'pipes', 'A connected account was disconnected.'],
  [
    'pipes.connected_account.reauthorization_needed',
    'pipes',
    'A connected account needs to be authorized again.',
  ],
  ['pipes.connected_account.connection_failed', 'pipes', 'Connecting an account failed.'],
  ['vault.data.created', 'vault', 'A Vault object was created.'],
  ['vault.data.updated', 'vault', 'A Vault object was updated.'],
  ['vault.data.read', 'vault', 'A Vault object was read.'],
  ['vault.data.deleted', 'vault', 'A Vault object was deleted.'],
  ['vault.names.listed', 'vault', 'Vault object names were listed.'],
  ['vault.metadata.read', 'vault', "A Vault object's metadata was read."],
  ['vault.kek.created', 'vault', 'A key-encryption key was created.'],
  ['vault.dek.read', 'vault', 'A data key was created or read.'],
  ['vault.dek.decrypted', 'vault', 'A data key was decrypted.'],
  ['vault.byok_key.verification_completed', 'vault', 'Verification of a bring-your-own key finished.'],
];

function triggerText(triggers: readonly CatalogEndpoint[]): string {
  return triggers.length === 0
    ? IN_APP
    : triggers.map((endpoint) => `${endpoint.method} ${endpoint.path}`).join(', ');
}

function toEvent(definition: EventDefinition, endpoints: readonly CatalogEndpoint[]): CatalogEvent {
  const triggers = endpoints.filter((endpoint) => endpoint.webhookEvents.includes(definition.name));
  return {
    name: definition.name,
    area: definition.area,
    summary: definition.summary,
    triggeredBy: triggers.map((endpoint) => endpoint.id),
    trigger: definition.seedTrigger ?? triggerText(triggers),
    seed: definition.seedTrigger !== undefined,
  };
}

/** Every webhook event: the seed's 21 first, then the rest the SDK v11 knows. */
export const EVENTS: readonly CatalogEvent[] = [
  ...SEED_EVENTS,
  ...SDK_EVENTS.map(([name, area, summary]) => ({ name, area, summary })),
].map((definition) => toEvent(definition, ENDPOINTS));
