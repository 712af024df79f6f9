import { type Context, type Environment, isoNow, param, timestamps } from './context.js';
import { createDomain, domainsOf } from './domains.js';
import { codedError, type FieldError, throwIfInvalid, WorkOSError } from './errors.js';
import type { Json, JsonObject } from './json.js';
import { listEnvelope, paginate, readPageParams } from './pagination.js';
import { readQueryList } from './query-list.js';
import { LIMITS } from './rate-limits.js';
import { json, type Reply, text } from './reply.js';
import type { Router } from './router.js';
import type { Row } from './state.js';
import { requireRow } from './table.js';
import { mergeMetadata, nullableString, optionalMetadata, requiredString } from './validate.js';

/** An organization as the wire shows it: the stored row plus its domains. */
export function organizationJson(env: Environment, org: Row): JsonObject {
  return { ...org, domains: domainsOf(env, org.id) };
}

interface DomainData {
  domain: string;
  state: 'pending' | 'verified';
}

function readDomainData(body: JsonObject, errors: FieldError[]): DomainData[] | undefined {
  const value = body.domain_data;
  if (value === undefined) return undefined;
  const ok =
    Array.isArray(value) &&
    value.every((d: Json) => {
      const entry = d as JsonObject;
      return typeof entry?.domain === 'string' && (entry.state === 'pending' || entry.state === 'verified');
    });
  if (ok) return value as unknown as DomainData[];
  errors.push({
    field: 'domain_data',
    code: 'invalid_domain_data',
    message: 'Each domain needs a domain and a state of pending or verified.',
  });
  return undefined;
}

/** Refuses a domain another organization holds, with the recorded 409 body. */
function assertDomainsFree(env: Environment, domains: DomainData[], organizationId?: string): void {
  for (const { domain } of domains) {
    const taken = env.state.domains.find(
      (d) => d.domain === domain.toLowerCase() && d.organization_id !== organizationId,
    );
    if (taken)
      throw new WorkOSError(409, { message: `An Organization with the domain ${domain} already exists.` });
  }
}

function assertExternalIdFree(env: Environment, externalId: string | null | undefined, self?: string): void {
  if (!externalId) return;
  if (env.state.organizations.find((o) => o.external_id === externalId && o.id !== self)) {
    throw codedError(400, 'external_id_already_used', `The external_id '${externalId}' is already used.`);
  }
}

/** Shared by the API and the seed: validates nothing, emits nothing. */
export function insertOrganization(
  env: Environment,
  fields: { name: string; id?: string; external_id?: string | null; metadata?: JsonObject },
): Row {
  return env.state.organizations.put({
    object: 'organization',
    id: fields.id ?? env.newId('org_'),
    name: fields.name,
    allow_profiles_outside_organization: false,
    external_id: fields.external_id ?? null,
    metadata: fields.metadata ?? {},
    ...timestamps(env),
  });
}

function create(ctx: Context): Reply {
  const { env, body } = ctx;
  const errors: FieldError[] = [];
  const name = requiredString(body, 'name', errors);
  const domainData = readDomainData(body, errors) ?? [];
  const externalId = nullableString(body, 'external_id', errors);
  const metadata = optionalMetadata(body, errors);
  throwIfInvalid(errors);
  assertDomainsFree(env, domainData);
  assertExternalIdFree(env, externalId);
  const org = insertOrganization(env, { name, external_id: externalId, metadata: metadata as JsonObject });
  for (const d of domainData) createDomain(env, org.id, d.domain, d.state, 'manual');
  const out = organizationJson(env, org);
  env.emit('organization.created', out, org.id);
  return json(201, out);
}

function get(ctx: Context): Reply {
  return json(
    200,
    organizationJson(ctx.env, requireRow(ctx.env.state.organizations, param(ctx, 'id'), 'Organization')),
  );
}

function getByExternalId(ctx: Context): Reply {
  const id = param(ctx, 'externalId');
  const org = ctx.env.state.organizations.find((o) => o.external_id === id);
  if (!org)
    throw new WorkOSError(404, {
      message: `Organization not found: '${id}'.`,
      code: 'entity_not_found',
      entity_id: id,
    });
  return json(200, organizationJson(ctx.env, org));
}

function list(ctx: Context): Reply {
  const page = readPageParams(ctx.query);
  const wanted = readQueryList(ctx.query, 'domains').map((d) => d.toLowerCase());
  const search = (ctx.query.get('search') ?? '').toLowerCase();
  const rows = ctx.env.state.organizations.filter((org) => {
    const domains = domainsOf(ctx.env, org.id).map((d) => String(d.domain));
    return (
      (wanted.length === 0 || wanted.some((d) => domains.includes(d))) &&
      (!search || String(org.name).toLowerCase().includes(search))
    );
  });
  const result = paginate(rows, page);
  return json(
    200,
    listEnvelope({ ...result, data: result.data.map((org) => organizationJson(ctx.env, org)) }),
  );
}

function update(ctx: Context): Reply {
  const { env, body } = ctx;
  const org = requireRow(env.state.organizations, param(ctx, 'id'), 'Organization');
  const errors: FieldError[] = [];
  const name = body.name === undefined ? undefined : requiredString(body, 'name', errors);
  const domainData = readDomainData(body, errors);
  const externalId = nullableString(body, 'external_id', errors);
  const stripe = nullableString(body, 'stripe_customer_id', errors);
  const metadata = optionalMetadata(body, errors, true);
  throwIfInvalid(errors);
  if (domainData) assertDomainsFree(env, domainData, org.id);
  assertExternalIdFree(env, externalId, org.id);
  const next: Row = { ...org, updated_at: isoNow(env) };
  if (name !== undefined) next.name = name;
  if (externalId !== undefined) next.external_id = externalId;
  if (metadata) next.metadata = mergeMetadata(org.metadata, metadata);
  if (stripe === null) delete next.stripe_customer_id;
  else if (stripe !== undefined) next.stripe_customer_id = stripe;
  env.state.organizations.put(next);
  if (domainData) replaceDomains(env, org.id, domainData);
  const out = organizationJson(env, next);
  env.emit('organization.updated', out, org.id);
  return json(200, out);
}

function replaceDomains(env: Environment, organizationId: string, wanted: DomainData[]): void {
  const names = wanted.map((d) => d.domain.toLowerCase());
  for (const d of domainsOf(env, organizationId)) {
    if (!names.includes(String(d.domain))) env.state.domains.delete(String(d.id));
  }
  const kept = domainsOf(env, organizationId).map((d) => String(d.domain));
  for (const d of wanted)
    if (!kept.includes(d.domain.toLowerCase()))
      createDomain(env, organizationId, d.domain, d.state, 'manual');
}

/** 202 text/plain "Accepted", as recorded; the organization's domains, memberships and roles go with it. */
function remove(ctx: Context): Reply {
  const { env } = ctx;
  env.limiter.hit(LIMITS.organizationDelete, env.apiKey);
  const org = requireRow(env.state.organizations, param(ctx, 'id'), 'Organization');
  const out = organizationJson(env, org);
  const owned = (row: Row) => row.organization_id === org.id;
  for (const table of [env.state.domains, env.state.memberships]) {
    for (const row of table.filter(owned)) table.delete(row.id);
  }
  for (const [roleId, orgId] of env.state.roleOrganizations)
    if (orgId === org.id) env.state.roles.delete(roleId);
  env.state.organizations.delete(org.id);
  env.emit('organization.deleted', out, org.id);
  return text(202, 'Accepted');
}

export function registerOrganizationRoutes(router: Router): void {
  router
    .add('POST', '/organizations', create)
    .add('GET', '/organizations', list)
    .add('GET', '/organizations/external_id/{externalId}', getByExternalId)
    .add('GET', '/organizations/{id}', get)
    .add('PUT', '/organizations/{id}', update)
    .add('DELETE', '/organizations/{id}', remove);
}
