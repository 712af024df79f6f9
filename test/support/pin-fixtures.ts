import type { OwnerKind } from '../../src/catalog/pinning.js';
import type { EmulatorSeed } from '../../src/emulator/options.js';
import type { Harness } from './harness.js';

export const ORG_A = 'org_01ALPHA';
export const ORG_B = 'org_01BETA';

/** Two organizations with one of everything each, and a user who belongs to both. */
export const PIN_SEED: EmulatorSeed = {
  organizations: [
    { id: ORG_A, name: 'Alpha', domains: ['alpha.test'], external_id: 'alpha' },
    { id: ORG_B, name: 'Beta', domains: ['beta.test'], external_id: 'beta' },
  ],
  users: [
    { email: 'a@alpha.test', memberships: [{ organization: ORG_A }], totp_secret: 'JBSWY3DPEHPK3PXP' },
    { email: 'b@beta.test', memberships: [{ organization: ORG_B }], totp_secret: 'JBSWY3DPEHPK3PXP' },
    { email: 'ab@both.test', memberships: [{ organization: ORG_A }, { organization: ORG_B }] },
  ],
  connections: [
    { organization: ORG_A, name: 'Alpha SAML', connection_type: 'GenericSAML', domains: ['alpha.test'] },
    { organization: ORG_B, name: 'Beta SAML', connection_type: 'GenericSAML', domains: ['beta.test'] },
  ],
  directories: [
    {
      organization: ORG_A,
      name: 'Alpha SCIM',
      type: 'generic scim v2.0',
      groups: ['Alpha Team'],
      users: [{ email: 'd@alpha.test', groups: ['Alpha Team'], raw_attributes: { secret: 'alpha' } }],
    },
    {
      organization: ORG_B,
      name: 'Beta SCIM',
      type: 'generic scim v2.0',
      groups: ['Beta Team'],
      users: [{ email: 'd@beta.test', groups: ['Beta Team'], raw_attributes: { secret: 'beta' } }],
    },
  ],
};

/** One resource of each kind per organization, found in the emulator with its own key. */
export type Resources = Record<'A' | 'B', Partial<Record<OwnerKind, string>>> & { both: string };

async function upstream(h: Harness, method: string, path: string, body?: unknown) {
  const response = await fetch(`${h.emulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${h.emulator.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown> & { data: Record<string, string>[] };
}

export async function findResources(h: Harness): Promise<Resources> {
  const users = (await upstream(h, 'GET', '/user_management/users?limit=100')).data;
  const userId = (email: string) => users.find((u) => u.email === email)!.id!;
  const out: Resources = { A: {}, B: {}, both: userId('ab@both.test') };
  for (const [side, org, email, domain] of [
    ['A', ORG_A, 'a@alpha.test', 'alpha'],
    ['B', ORG_B, 'b@beta.test', 'beta'],
  ] as const) {
    const r = out[side];
    r.organization_external = domain;
    r.user = userId(email);
    const external = await upstream(h, 'POST', '/user_management/users', {
      email: `ext@${domain}.test`,
      external_id: `ext-${domain}`,
    });
    await upstream(h, 'POST', '/user_management/organization_memberships', {
      user_id: external.id,
      organization_id: org,
    });
    r.user_external = `ext-${domain}`;
    r.membership = (await upstream(h, 'GET', `/user_management/organization_memberships?user_id=${r.user}`))
      .data[0]!.id;
    r.connection = (await upstream(h, 'GET', `/connections?organization_id=${org}`)).data[0]!.id;
    r.directory = (await upstream(h, 'GET', `/directories?organization_id=${org}`)).data[0]!.id;
    r.directory_user = (await upstream(h, 'GET', `/directory_users?directory=${r.directory}`)).data[0]!.id;
    r.directory_group = (await upstream(h, 'GET', `/directory_groups?directory=${r.directory}`)).data[0]!.id;
    const organization = await upstream(h, 'GET', `/organizations/${org}`);
    r.organization_domain = (organization.domains as unknown as { id: string }[])[0]!.id;
    r.auth_factor = (await upstream(h, 'GET', `/user_management/users/${r.user}/auth_factors`)).data[0]!.id;
    r.invitation = (
      await upstream(h, 'POST', '/user_management/invitations', {
        email: `invitee@${domain}.test`,
        organization_id: org,
      })
    ).id as unknown as string;
  }
  return out;
}
