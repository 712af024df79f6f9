import { insertAuditEvent } from './audit-logs.js';
import type { Environment } from './context.js';
import { DEMO_SEED } from './demo-seed.js';
import { addToGroup, insertDirectory, insertDirectoryGroup, insertDirectoryUser } from './directories.js';
import { createDomain } from './domains.js';
import { insertMembership } from './memberships.js';
import { insertTotpFactor } from './mfa.js';
import type { EmulatorOptions, EmulatorSeed } from './options.js';
import { insertOrganization } from './organizations.js';
import { hashPassword } from './passwords.js';
import { insertRole } from './roles.js';
import { buildProfile, insertConnection } from './sso.js';
import type { Row } from './state.js';
import { insertUser } from './users.js';
import { insertWebhookEndpoint } from './webhook-endpoints.js';

export function resolveSeed(seed: EmulatorOptions['seed']): EmulatorSeed {
  if (seed === undefined || seed === 'demo') return DEMO_SEED;
  if (seed === 'none') return {};
  return seed;
}

/** Finds an organization by id or name; a seed naming an unknown one is a mistake worth stopping for. */
function orgRef(env: Environment, ref: string): Row {
  const org = env.state.organizations.get(ref) ?? env.state.organizations.find((o) => o.name === ref);
  if (!org) throw new Error(`seed: unknown organization '${ref}'`);
  return org;
}

/** Loads a seed without emitting events (seed data "already existed"). */
export async function applySeed(env: Environment, seed: EmulatorSeed): Promise<void> {
  for (const o of seed.organizations ?? []) {
    const org = insertOrganization(env, {
      name: o.name,
      id: o.id,
      external_id: o.external_id,
      metadata: o.metadata,
    });
    for (const d of o.domains ?? []) createDomain(env, org.id, d, 'verified', 'manual');
    for (const d of o.pending_domains ?? []) createDomain(env, org.id, d, 'pending', 'dns');
  }
  for (const r of seed.roles ?? [])
    insertRole(env, r, r.organization ? orgRef(env, r.organization).id : undefined);
  const hashes = await Promise.all(
    (seed.users ?? []).map((u) => (u.password ? hashPassword(u.password) : undefined)),
  );
  (seed.users ?? []).forEach((u, i) => {
    const user = insertUser(env, { ...u, email_verified: u.email_verified ?? true });
    const hash = hashes[i];
    if (hash) env.state.passwordHashes.set(user.id, hash);
    for (const m of u.memberships ?? [])
      insertMembership(env, user.id, orgRef(env, m.organization).id, m.role ?? 'member');
    if (u.totp_secret) insertTotpFactor(env, 'Bollard Emulator', u.email, u.totp_secret, user.id);
  });
  for (const c of seed.connections ?? []) {
    const connection = insertConnection(env, {
      organizationId: orgRef(env, c.organization).id,
      name: c.name,
      connectionType: c.connection_type,
      state: c.state,
      domains: c.domains,
    });
    env.state.connectionProfiles.set(
      connection.id,
      (c.profiles ?? []).map((p) => buildProfile(env, connection, p)),
    );
  }
  for (const d of seed.directories ?? []) {
    const directory = insertDirectory(env, {
      organizationId: orgRef(env, d.organization).id,
      name: d.name,
      type: d.type,
      domain: d.domain,
    });
    const groups = new Map(
      (d.groups ?? []).map((name) => [name, insertDirectoryGroup(env, directory, name).id]),
    );
    for (const person of d.users ?? []) {
      const user = insertDirectoryUser(env, directory, person);
      for (const name of person.groups ?? []) {
        const groupId = groups.get(name);
        if (groupId) addToGroup(env, user.id, groupId);
      }
    }
  }
  for (const e of seed.audit_events ?? []) {
    const { organization, ...event } = e;
    insertAuditEvent(env, orgRef(env, organization).id, {
      ...event,
      occurred_at: e.occurred_at ?? new Date(env.now()).toISOString(),
      context: e.context ?? { location: '127.0.0.1' },
    });
  }
  for (const w of seed.webhook_endpoints ?? [])
    insertWebhookEndpoint({ env }, w.endpoint_url, w.events, w.secret);
}
