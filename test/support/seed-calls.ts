import type { WorkOS } from '@workos-inc/node';

/** Ids from the emulator's demo data, found through Bollard with a token that can read everything. */
export interface SeedIds {
  organizationId: string;
  userId: string;
  connectionId: string;
  directoryId: string;
  directoryUserId: string;
  directoryGroupId: string;
  clientId: string;
}

/**
 * One seed endpoint driven through the official SDK. `run` makes the call with the SDK it is given;
 * `permission` is what Bollard must require for it. Calls that need fresh objects create them with
 * `setup` (run with a token that may) so the call itself is the only one under test.
 */
export interface SeedCall {
  row: number;
  name: string;
  permission: string;
  setup?: (admin: WorkOS, ids: SeedIds) => Promise<Record<string, string>>;
  run: (workos: WorkOS, ids: SeedIds, made: Record<string, string>) => Promise<unknown>;
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export const SEED_CALLS: SeedCall[] = [
  {
    row: 1,
    name: 'userManagement.createUser',
    permission: 'users:write',
    run: (w) =>
      w.userManagement.createUser({
        email: `new-${unique()}@example.com`,
        password: 'correct horse battery staple 9',
      }),
  },
  {
    row: 2,
    name: 'userManagement.getUser',
    permission: 'users:read',
    run: (w, ids) => w.userManagement.getUser(ids.userId),
  },
  {
    row: 3,
    name: 'userManagement.listUsers',
    permission: 'users:read',
    run: (w) => w.userManagement.listUsers({ limit: 5 }),
  },
  {
    row: 4,
    name: 'userManagement.updateUser',
    permission: 'users:write',
    run: (w, ids) => w.userManagement.updateUser({ userId: ids.userId, firstName: 'Renamed' }),
  },
  {
    row: 5,
    name: 'userManagement.deleteUser',
    permission: 'users:write',
    setup: async (admin) => ({
      userId: (await admin.userManagement.createUser({ email: `del-${unique()}@example.com` })).id,
    }),
    run: (w, _ids, made) => w.userManagement.deleteUser(made.userId!),
  },
  {
    row: 6,
    name: 'userManagement.authenticateWithPassword',
    permission: 'users:write',
    setup: async (admin) => {
      const email = `pw-${unique()}@example.com`;
      await admin.userManagement.createUser({ email, password: 'correct horse battery staple 9' });
      return { email };
    },
    run: (w, ids, made) =>
      w.userManagement.authenticateWithPassword({
        clientId: ids.clientId,
        email: made.email!,
        password: 'correct horse battery staple 9',
      }),
  },
  {
    row: 7,
    name: 'userManagement.createMagicAuth',
    permission: 'magic_auth:write',
    run: (w) => w.userManagement.createMagicAuth({ email: `magic-${unique()}@example.com` }),
  },
  {
    row: 8,
    name: 'userManagement.getMagicAuth',
    permission: 'magic_auth:read',
    setup: async (admin) => ({
      id: (await admin.userManagement.createMagicAuth({ email: `m-${unique()}@example.com` })).id,
    }),
    run: (w, _ids, made) => w.userManagement.getMagicAuth(made.id!),
  },
  {
    row: 9,
    name: 'multiFactorAuth.enrollFactor',
    permission: 'mfa:write',
    run: (w) =>
      w.multiFactorAuth.enrollFactor({ type: 'totp', issuer: 'Bollard', user: 'someone@example.com' }),
  },
  {
    row: 10,
    name: 'multiFactorAuth.challengeFactor',
    permission: 'mfa:write',
    setup: async (admin) => ({
      factorId: (
        await admin.multiFactorAuth.enrollFactor({ type: 'totp', issuer: 'Bollard', user: 'a@example.com' })
      ).id,
    }),
    run: (w, _ids, made) => w.multiFactorAuth.challengeFactor({ authenticationFactorId: made.factorId! }),
  },
  {
    row: 11,
    name: 'multiFactorAuth.verifyChallenge',
    permission: 'mfa:write',
    setup: async (admin) => {
      const factor = await admin.multiFactorAuth.enrollFactor({
        type: 'totp',
        issuer: 'Bollard',
        user: 'b@example.com',
      });
      const challenge = await admin.multiFactorAuth.challengeFactor({ authenticationFactorId: factor.id });
      return { challengeId: challenge.id };
    },
    run: (w, _ids, made) =>
      w.multiFactorAuth.verifyChallenge({ authenticationChallengeId: made.challengeId!, code: '000000' }),
  },
  {
    row: 12,
    name: 'organizations.createOrganization',
    permission: 'organizations:write',
    run: (w) => w.organizations.createOrganization({ name: `Org ${unique()}` }),
  },
  {
    row: 13,
    name: 'organizations.getOrganization',
    permission: 'organizations:read',
    run: (w, ids) => w.organizations.getOrganization(ids.organizationId),
  },
  {
    row: 14,
    name: 'organizations.listOrganizations',
    permission: 'organizations:read',
    run: (w) => w.organizations.listOrganizations(),
  },
  {
    row: 15,
    name: 'organizations.updateOrganization',
    permission: 'organizations:write',
    run: (w, ids) =>
      w.organizations.updateOrganization({ organization: ids.organizationId, name: `Renamed ${unique()}` }),
  },
  {
    row: 16,
    name: 'organizations.deleteOrganization',
    permission: 'organizations:write',
    setup: async (admin) => ({
      orgId: (await admin.organizations.createOrganization({ name: `Doomed ${unique()}` })).id,
    }),
    run: (w, _ids, made) => w.organizations.deleteOrganization(made.orgId!),
  },
  {
    row: 17,
    name: 'organizationDomains.createOrganizationDomain',
    permission: 'organization_domains:write',
    run: (w, ids) =>
      w.organizationDomains.createOrganizationDomain({
        organizationId: ids.organizationId,
        domain: `d${unique()}.example.com`,
      }),
  },
  {
    row: 18,
    name: 'organizationDomains.getOrganizationDomain',
    permission: 'organization_domains:read',
    setup: async (admin, ids) => ({
      domainId: (
        await admin.organizationDomains.createOrganizationDomain({
          organizationId: ids.organizationId,
          domain: `g${unique()}.example.com`,
        })
      ).id,
    }),
    run: (w, _ids, made) => w.organizationDomains.getOrganizationDomain(made.domainId!),
  },
  {
    row: 19,
    name: 'organizationDomains.verifyOrganizationDomain',
    permission: 'organization_domains:write',
    setup: async (admin, ids) => ({
      domainId: (
        await admin.organizationDomains.createOrganizationDomain({
          organizationId: ids.organizationId,
          domain: `v${unique()}.example.com`,
        })
      ).id,
    }),
    run: (w, _ids, made) => w.organizationDomains.verifyOrganizationDomain(made.domainId!),
  },
  // Row 20, GET /sso/authorize, is a browser redirect: the SDK only builds its URL (tested apart).
  {
    row: 21,
    name: 'sso.getProfileAndToken',
    permission: 'sso:read',
    setup: async (admin, ids) => {
      const url = admin.sso.getAuthorizationUrl({
        connection: ids.connectionId,
        clientId: ids.clientId,
        redirectUri: 'http://127.0.0.1:1/callback',
      });
      const response = await fetch(url, { redirect: 'manual' });
      const location = response.headers.get('location') ?? '';
      return { code: new URL(location).searchParams.get('code') ?? '' };
    },
    run: (w, ids, made) => w.sso.getProfileAndToken({ code: made.code!, clientId: ids.clientId }),
  },
  { row: 22, name: 'sso.listConnections', permission: 'sso:read', run: (w) => w.sso.listConnections() },
  {
    row: 23,
    name: 'sso.getConnection',
    permission: 'sso:read',
    run: (w, ids) => w.sso.getConnection(ids.connectionId),
  },
  {
    row: 24,
    name: 'sso.deleteConnection',
    permission: 'sso:write',
    run: (w) => w.sso.deleteConnection('conn_does_not_exist_but_is_allowed'),
  },
  {
    row: 25,
    name: 'directorySync.listDirectories',
    permission: 'directory_sync:read',
    run: (w) => w.directorySync.listDirectories(),
  },
  {
    row: 26,
    name: 'directorySync.getDirectory',
    permission: 'directory_sync:read',
    run: (w, ids) => w.directorySync.getDirectory(ids.directoryId),
  },
  {
    row: 27,
    name: 'directorySync.deleteDirectory',
    permission: 'directory_sync:write',
    run: (w) => w.directorySync.deleteDirectory('directory_does_not_exist'),
  },
  {
    row: 28,
    name: 'directorySync.listUsers',
    permission: 'directory_sync:read',
    run: (w, ids) => w.directorySync.listUsers({ directory: ids.directoryId }),
  },
  {
    row: 29,
    name: 'directorySync.getUser',
    permission: 'directory_sync:read',
    run: (w, ids) => w.directorySync.getUser(ids.directoryUserId),
  },
  {
    row: 30,
    name: 'directorySync.listGroups',
    permission: 'directory_sync:read',
    run: (w, ids) => w.directorySync.listGroups({ directory: ids.directoryId }),
  },
  {
    row: 31,
    name: 'directorySync.getGroup',
    permission: 'directory_sync:read',
    run: (w, ids) => w.directorySync.getGroup(ids.directoryGroupId),
  },
  {
    row: 32,
    name: 'auditLogs.createEvent',
    permission: 'audit_logs:write',
    run: (w, ids) =>
      w.auditLogs.createEvent(ids.organizationId, {
        action: 'user.signed_in',
        occurredAt: new Date(),
        actor: { type: 'user', id: 'user_1' },
        targets: [{ type: 'team', id: 'team_1' }],
        context: { location: '127.0.0.1' },
      }),
  },
  {
    row: 33,
    name: 'auditLogs.createExport',
    permission: 'audit_logs:write',
    run: (w, ids) =>
      w.auditLogs.createExport({
        organizationId: ids.organizationId,
        rangeStart: new Date(Date.now() - 86_400_000),
        rangeEnd: new Date(),
      }),
  },
  {
    row: 34,
    name: 'auditLogs.getExport',
    permission: 'audit_logs:read',
    setup: async (admin, ids) => ({
      exportId: (
        await admin.auditLogs.createExport({
          organizationId: ids.organizationId,
          rangeStart: new Date(Date.now() - 86_400_000),
          rangeEnd: new Date(),
        })
      ).id,
    }),
    run: (w, _ids, made) => w.auditLogs.getExport(made.exportId!),
  },
  {
    row: 35,
    name: 'authorization.listEnvironmentRoles',
    permission: 'roles:read',
    run: (w) => w.authorization.listEnvironmentRoles(),
  },
  {
    row: 36,
    name: 'authorization.listOrganizationRoles',
    permission: 'roles:read',
    run: (w, ids) => w.authorization.listOrganizationRoles(ids.organizationId),
  },
];

/** Reads the demo data's ids through the SDK. */
export async function findSeedIds(admin: WorkOS, clientId: string): Promise<SeedIds> {
  const organizations = await admin.organizations.listOrganizations({ limit: 100 });
  const users = await admin.userManagement.listUsers({ limit: 100 });
  const connections = await admin.sso.listConnections({ limit: 100 });
  const directories = await admin.directorySync.listDirectories({ limit: 100 });
  const directory = directories.data[0]!;
  const directoryUsers = await admin.directorySync.listUsers({ directory: directory.id, limit: 100 });
  const directoryGroups = await admin.directorySync.listGroups({ directory: directory.id, limit: 100 });
  return {
    organizationId: organizations.data[0]!.id,
    userId: users.data[0]!.id,
    connectionId: connections.data[0]!.id,
    directoryId: directory.id,
    directoryUserId: directoryUsers.data[0]!.id,
    directoryGroupId: directoryGroups.data[0]!.id,
    clientId,
  };
}

/** Every area the seed endpoints touch, at write: the grants of an agent that may make every seed call. */
export const ALL_SEED_GRANTS = [
  'users:write',
  'magic_auth:write',
  'mfa:write',
  'organizations:write',
  'organization_domains:write',
  'sso:write',
  'directory_sync:write',
  'audit_logs:write',
  'roles:write',
];
