import type { CatalogArea } from './types.js';

/**
 * Permission areas. The first nine are the seed's and keep its names; the rest follow WorkOS's own
 * product sections so that a grant reads like the WorkOS docs (`vault:read`, `pipes:write`).
 * `docs` is the WorkOS reference section every endpoint of the area links to.
 */
export interface AreaDefinition extends CatalogArea {
  docs: string;
}

const DOCS = 'https://workos.com/docs/reference';

export const AREAS: readonly AreaDefinition[] = [
  {
    name: 'users',
    title: 'User Management',
    summary:
      'Create, read, list, update, and delete users, and authenticate them through password, code, magic auth, and MFA grants.',
    docs: `${DOCS}/authkit/user`,
  },
  {
    name: 'magic_auth',
    title: 'Magic Auth',
    summary: 'Create a one-time email authentication code and read its details.',
    docs: `${DOCS}/authkit/magic-auth`,
  },
  {
    name: 'mfa',
    title: 'Multi-factor authentication',
    summary: 'Enroll an authentication factor, challenge it, and verify the challenge.',
    docs: `${DOCS}/mfa`,
  },
  {
    name: 'organizations',
    title: 'Organizations',
    summary:
      'Create, read, list, update, and delete organizations, the hub that connections, directories, and audit events belong to.',
    docs: `${DOCS}/organization`,
  },
  {
    name: 'organization_domains',
    title: 'Organization domains',
    summary: 'Create an organization domain, read it, and verify ownership through a DNS record.',
    docs: `${DOCS}/domain-verification`,
  },
  {
    name: 'sso',
    title: 'Single sign-on',
    summary:
      'Build an SSO authorization URL, exchange the code for a profile, and list, read, or delete connections.',
    docs: `${DOCS}/sso`,
  },
  {
    name: 'directory_sync',
    title: 'Directory Sync',
    summary: 'List and read synced directories, their users, and their groups.',
    docs: `${DOCS}/directory-sync`,
  },
  {
    name: 'audit_logs',
    title: 'Audit Logs',
    summary: 'Create an audit event, start an export of events, and read an export.',
    docs: `${DOCS}/audit-logs`,
  },
  {
    name: 'roles',
    title: 'Roles',
    summary:
      'List the roles defined at the environment level and the custom roles for an organization; manage roles and the permissions they grant.',
    docs: `${DOCS}/roles`,
  },
  {
    name: 'organization_memberships',
    title: 'Organization memberships',
    summary:
      "Add users to organizations, change a member's role, deactivate, reactivate, and remove memberships.",
    docs: `${DOCS}/authkit/organization-membership`,
  },
  {
    name: 'invitations',
    title: 'Invitations',
    summary:
      'Invite people to an organization or the environment, and list, resend, accept, or revoke invitations.',
    docs: `${DOCS}/authkit/invitation`,
  },
  {
    name: 'sessions',
    title: 'Sessions',
    summary: "List and revoke a user's sessions, log out, and fetch the JWKS that signs session tokens.",
    docs: `${DOCS}/authkit/session`,
  },
  {
    name: 'password_reset',
    title: 'Password reset',
    summary: 'Create and read password reset tokens, and reset a password with one.',
    docs: `${DOCS}/authkit/password-reset`,
  },
  {
    name: 'email_verification',
    title: 'Email verification',
    summary: "Send and confirm email verification codes, and read a verification's details.",
    docs: `${DOCS}/authkit/email-verification`,
  },
  {
    name: 'authkit_config',
    title: 'AuthKit configuration',
    summary: 'Environment-wide AuthKit settings: redirect URIs, CORS origins and the JWT template.',
    docs: `${DOCS}/authkit`,
  },
  {
    name: 'waitlists',
    title: 'Waitlists',
    summary: 'List waitlists and their entries, add entries, and approve, deny, or delete them.',
    docs: `${DOCS}/authkit/waitlist`,
  },
  {
    name: 'passwordless',
    title: 'Passwordless (legacy Magic Link)',
    summary: 'Create and send passwordless sign-in sessions.',
    docs: `${DOCS}/magic-link`,
  },
  {
    name: 'events',
    title: 'Events',
    summary: 'Read the stream of events WorkOS records for the environment.',
    docs: `${DOCS}/events`,
  },
  {
    name: 'webhooks',
    title: 'Webhooks',
    summary: 'List, create, update, and delete the webhook endpoints WorkOS delivers events to.',
    docs: `${DOCS}/webhooks`,
  },
  {
    name: 'admin_portal',
    title: 'Admin Portal',
    summary:
      "Generate Admin Portal links that let an organization's IT admin configure SSO, Directory Sync and more.",
    docs: `${DOCS}/admin-portal`,
  },
  {
    name: 'authorization',
    title: 'Authorization (fine-grained)',
    summary:
      'Authorization resources, role assignments, and access checks for organization memberships and groups.',
    docs: `${DOCS}/authorization`,
  },
  {
    name: 'api_keys',
    title: 'API keys',
    summary:
      'Create, list, validate, expire, and delete the API keys an application issues to its own customers.',
    docs: `${DOCS}/api-keys`,
  },
  {
    name: 'feature_flags',
    title: 'Feature flags',
    summary:
      'List and read feature flags, enable or disable them, and manage which organizations and users they target.',
    docs: `${DOCS}/feature-flags`,
  },
  {
    name: 'groups',
    title: 'Groups',
    summary:
      'Create, read, update, and delete groups of organization members, and manage who belongs to them.',
    docs: `${DOCS}/authkit/groups`,
  },
  {
    name: 'vault',
    title: 'Vault',
    summary: 'Store, read, and delete encrypted objects, and create, decrypt, and rotate data keys.',
    docs: `${DOCS}/vault`,
  },
  {
    name: 'pipes',
    title: 'Pipes',
    summary:
      'Data integrations and the connected accounts that let an application call third-party APIs for its users.',
    docs: `${DOCS}/pipes`,
  },
  {
    name: 'radar',
    title: 'Radar',
    summary: 'Assess sign-in attempts for fraud, manage allow and block lists, and send Radar challenges.',
    docs: `${DOCS}/radar`,
  },
  {
    name: 'connect',
    title: 'Connect',
    summary:
      'OAuth and machine-to-machine applications, their client secrets, and the applications users have authorized.',
    docs: `${DOCS}/workos-connect`,
  },
  {
    name: 'agents',
    title: 'Agents',
    summary: 'Agent blueprints, instances, sessions, registrations and credentials.',
    docs: `${DOCS}/agents`,
  },
  {
    name: 'widgets',
    title: 'Widgets',
    summary: 'Issue short-lived tokens that embedded WorkOS widgets and the client API use in the browser.',
    docs: `${DOCS}/widgets`,
  },
];

export const AREA_NAMES: readonly string[] = AREAS.map((area) => area.name);

/** The WorkOS reference section for an area (throws on an unknown area: a catalog bug, not input). */
export function areaDocs(name: string): string {
  const area = AREAS.find((candidate) => candidate.name === name);
  if (!area) throw new Error(`unknown catalog area ${name}`);
  return area.docs;
}
