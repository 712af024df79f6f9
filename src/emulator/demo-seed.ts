import type { EmulatorSeed } from './options.js';

/**
 * `--seed demo`: two customer organizations with domains, users (password `demo-password-1`)
 * with memberships, SSO connections, a SCIM directory with users and groups, roles and a few
 * audit events. Ada (ada@acme.test) also has a TOTP factor with the secret below.
 */
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export const DEMO_PASSWORD = 'demo-password-1';

export const DEMO_SEED: EmulatorSeed = {
  organizations: [
    { name: 'Acme Corp', domains: ['acme.test'], external_id: 'acme', metadata: { plan: 'enterprise' } },
    {
      name: 'Globex',
      domains: ['globex.test'],
      pending_domains: ['globex-labs.test'],
      metadata: { plan: 'team' },
    },
  ],
  roles: [
    {
      slug: 'admin',
      name: 'Admin',
      description: 'Can manage everything',
      permissions: ['users:read', 'users:write', 'billing:manage'],
    },
    { slug: 'member', name: 'Member', description: 'Default role', permissions: ['users:read'] },
    {
      slug: 'billing-admin',
      name: 'Billing Admin',
      description: 'Acme billing',
      permissions: ['billing:manage'],
      organization: 'Acme Corp',
    },
  ],
  users: [
    {
      email: 'ada@acme.test',
      first_name: 'Ada',
      last_name: 'Lovelace',
      password: DEMO_PASSWORD,
      totp_secret: DEMO_TOTP_SECRET,
      memberships: [{ organization: 'Acme Corp', role: 'admin' }],
    },
    {
      email: 'grace@acme.test',
      first_name: 'Grace',
      last_name: 'Hopper',
      password: DEMO_PASSWORD,
      memberships: [{ organization: 'Acme Corp' }],
    },
    {
      email: 'alan@globex.test',
      first_name: 'Alan',
      last_name: 'Turing',
      password: DEMO_PASSWORD,
      memberships: [{ organization: 'Globex', role: 'admin' }],
    },
    {
      email: 'katherine@globex.test',
      first_name: 'Katherine',
      last_name: 'Johnson',
      memberships: [{ organization: 'Globex' }],
    },
  ],
  connections: [
    {
      organization: 'Acme Corp',
      name: 'Acme Okta',
      connection_type: 'OktaSAML',
      domains: ['acme.test'],
      profiles: [
        {
          email: 'ada@acme.test',
          first_name: 'Ada',
          last_name: 'Lovelace',
          groups: ['Engineering', 'Admins'],
          role: 'admin',
        },
        { email: 'grace@acme.test', first_name: 'Grace', last_name: 'Hopper', groups: ['Engineering'] },
      ],
    },
    {
      organization: 'Globex',
      name: 'Globex Google',
      connection_type: 'GoogleOAuth',
      domains: ['globex.test'],
      profiles: [{ email: 'alan@globex.test', first_name: 'Alan', last_name: 'Turing' }],
    },
  ],
  directories: [
    {
      organization: 'Acme Corp',
      name: 'Acme Okta SCIM',
      type: 'okta scim v2.0',
      domain: 'acme.test',
      groups: ['Engineering', 'Finance', 'Admins'],
      users: [
        {
          email: 'ada@acme.test',
          first_name: 'Ada',
          last_name: 'Lovelace',
          job_title: 'Chief Engineer',
          groups: ['Engineering', 'Admins'],
        },
        {
          email: 'grace@acme.test',
          first_name: 'Grace',
          last_name: 'Hopper',
          job_title: 'Rear Admiral',
          groups: ['Engineering'],
        },
        {
          email: 'charles@acme.test',
          first_name: 'Charles',
          last_name: 'Babbage',
          job_title: 'Accountant',
          groups: ['Finance'],
        },
        {
          email: 'edsger@acme.test',
          first_name: 'Edsger',
          last_name: 'Dijkstra',
          job_title: 'Engineer',
          state: 'suspended',
          groups: ['Engineering'],
        },
      ],
    },
  ],
  audit_events: [
    {
      organization: 'Acme Corp',
      action: 'user.signed_in',
      actor: { id: 'user_ada', type: 'user', name: 'Ada Lovelace' },
      targets: [{ id: 'team_eng', type: 'team' }],
      context: { location: '203.0.113.7', user_agent: 'Mozilla/5.0' },
    },
    {
      organization: 'Acme Corp',
      action: 'invoice.paid',
      actor: { id: 'user_grace', type: 'user', name: 'Grace Hopper' },
      targets: [{ id: 'inv_42', type: 'invoice' }],
      context: { location: '203.0.113.8' },
    },
  ],
};
