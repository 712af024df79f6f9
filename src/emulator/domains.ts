import { type Context, type Environment, param, timestamps } from './context.js';
import { codedError, type FieldError, throwIfInvalid, WorkOSError } from './errors.js';
import type { JsonObject } from './json.js';
import { randomToken } from './random.js';
import { empty, json, type Reply } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';
import { requiredString } from './validate.js';

/** Creates a domain row; a domain already claimed by any organization → 409. */
export function createDomain(
  env: Environment,
  organizationId: string,
  domain: string,
  state: 'pending' | 'verified',
  strategy: 'dns' | 'manual',
): Row {
  const name = domain.toLowerCase();
  if (env.state.domains.find((d) => d.domain === name)) {
    throw new WorkOSError(409, { code: 'domain_already_exists', message: `Domain ${name} already exists.` });
  }
  const pending = state === 'pending';
  return env.state.domains.put({
    object: 'organization_domain',
    id: env.newId('org_domain_'),
    organization_id: organizationId,
    domain: name,
    state,
    verification_strategy: strategy,
    verification_token: pending ? randomToken(env.random, 25) : null,
    verification_prefix: pending ? 'workos-verification' : null,
    ...timestamps(env),
  });
}

/** The domains embedded in an organization (the SDK maps over them, so always an array). */
export function domainsOf(env: Environment, organizationId: string): JsonObject[] {
  return env.state.domains.filter((d) => d.organization_id === organizationId);
}

/** Verifies a domain if its DNS record was declared present; emits `organization_domain.verified`. */
export function checkDomain(env: Environment, domain: Row): Row {
  if (domain.state === 'verified') return domain;
  if (!env.state.dnsRecordsPresent.has(domain.id)) return domain;
  const verified = env.state.domains.put({
    ...domain,
    state: 'verified',
    updated_at: new Date(env.now()).toISOString(),
  });
  env.emit('organization_domain.verified', verified, String(domain.organization_id));
  return verified;
}

function create(ctx: Context): Reply {
  const errors: FieldError[] = [];
  const domain = requiredString(ctx.body, 'domain', errors);
  const organizationId = requiredString(ctx.body, 'organization_id', errors);
  throwIfInvalid(errors);
  requireRow(ctx.env.state.organizations, organizationId, 'Organization');
  const row = createDomain(ctx.env, organizationId, domain, 'pending', 'dns');
  ctx.env.emit('organization_domain.created', row, organizationId);
  return json(201, row);
}

function get(ctx: Context): Reply {
  return json(200, requireRow(ctx.env.state.domains, param(ctx, 'id'), 'OrganizationDomain'));
}

/** WorkOS checks the TXT record; here a test declares it present through `/_emulator/domains/{id}/dns`. */
function verify(ctx: Context): Reply {
  const domain = requireRow(ctx.env.state.domains, param(ctx, 'id'), 'OrganizationDomain');
  if (domain.state === 'verified')
    throw codedError(400, 'domain_already_verified', 'Domain is already verified.');
  return json(201, checkDomain(ctx.env, domain));
}

function remove(ctx: Context): Reply {
  const domain = requireRow(ctx.env.state.domains, param(ctx, 'id'), 'OrganizationDomain');
  ctx.env.state.domains.delete(domain.id);
  ctx.env.emit('organization_domain.deleted', domain, String(domain.organization_id));
  return empty(204);
}

export function registerDomainRoutes(router: Router): void {
  router
    .add('POST', '/organization_domains', create)
    .add('GET', '/organization_domains/{id}', get)
    .add('POST', '/organization_domains/{id}/verify', verify)
    .add('DELETE', '/organization_domains/{id}', remove);
}
