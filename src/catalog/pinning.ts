import type { CatalogEndpoint, ValueSource } from './types.js';

/**
 * How a call is tied to an organization, so an agent pinned to organizations can be checked endpoint by
 * endpoint. Derived from the catalog (`organizationId`, the path's resource) and the table below.
 */

/** A resource Bollard can find the owner of with a read-only `GET` through WorkOS. */
export type OwnerKind =
  | 'organization_external'
  | 'user'
  | 'user_external'
  | 'membership'
  | 'connection'
  | 'directory'
  | 'directory_user'
  | 'directory_group'
  | 'organization_domain'
  | 'invitation'
  | 'auth_factor';

/**
 * Where one kind's owner is read: `GET path` with `{id}` replaced, and the field of the answer that names
 * the owner. `via` means the field names another resource (a factor names its user), whose owners count.
 * A user's owners are its organization memberships (`GET /user_management/organization_memberships?user_id=`).
 */
export interface OwnerLookup {
  path: string;
  field: string;
  via?: OwnerKind;
}

export const OWNER_LOOKUPS: Readonly<Record<OwnerKind, OwnerLookup>> = {
  organization_external: { path: '/organizations/external_id/{id}', field: 'id' },
  user: { path: '/user_management/organization_memberships?user_id={id}', field: 'organization_id' },
  user_external: { path: '/user_management/users/external_id/{id}', field: 'id', via: 'user' },
  membership: { path: '/user_management/organization_memberships/{id}', field: 'organization_id' },
  connection: { path: '/connections/{id}', field: 'organization_id' },
  directory: { path: '/directories/{id}', field: 'organization_id' },
  directory_user: { path: '/directory_users/{id}', field: 'organization_id' },
  directory_group: { path: '/directory_groups/{id}', field: 'organization_id' },
  organization_domain: { path: '/organization_domains/{id}', field: 'organization_id' },
  invitation: { path: '/user_management/invitations/{id}', field: 'organization_id' },
  auth_factor: { path: '/auth/factors/{id}', field: 'user_id', via: 'user' },
};

/**
 * How a call names its organization:
 * - `anonymous`: WorkOS serves it without a key; no agent, no pin.
 * - `organization`: the id is in the path, query or body: compared as it is. A call without it is denied.
 * - `lookup`: the call names a resource (`from`); its owner is looked up.
 * - `list`: a list; `filter` is the organization filter WorkOS offers (required when pinned to several,
 *   injected when pinned to one), or null: the answer's items are filtered on `item` instead.
 * - `create_organization`: creating an organization; never for a pinned agent.
 * - `environment`: environment-wide, tied to no organization; never for a pinned agent.
 */
export type PinPlan =
  | { kind: 'anonymous' }
  | { kind: 'organization'; source: ValueSource }
  | { kind: 'lookup'; from: readonly ValueSource[]; owner: OwnerKind }
  | { kind: 'list'; filter: ValueSource | null; item: string }
  | { kind: 'create_organization' }
  | { kind: 'environment' };

/** Lists whose items carry their organization but that WorkOS lets filter by none: filtered by Bollard. */
const ITEM_FILTERED: Readonly<Record<string, string>> = {
  'organizations.list': 'id',
};

/** Organization filters WorkOS takes that the catalog does not record as the endpoint's organization. */
const LIST_FILTERS: Readonly<Record<string, ValueSource>> = {
  'directory_sync.list_directories': { in: 'query', name: 'organization_id' },
};

/** Lists scoped by a resource the query names (a directory's users): that resource's owner decides. */
const SCOPED_LISTS: Readonly<Record<string, { from: ValueSource[]; owner: OwnerKind }>> = {
  'directory_sync.list_users': {
    from: [
      { in: 'query', name: 'directory' },
      { in: 'query', name: 'group' },
    ],
    owner: 'directory',
  },
  'directory_sync.list_groups': {
    from: [
      { in: 'query', name: 'directory' },
      { in: 'query', name: 'user' },
    ],
    owner: 'directory',
  },
};

/** Path prefixes (template form) whose first parameter names a resource with an owner to look up. */
const RESOURCE_PATHS: readonly { prefix: string; owner: OwnerKind }[] = [
  { prefix: '/organizations/external_id/', owner: 'organization_external' },
  { prefix: '/user_management/users/external_id/', owner: 'user_external' },
  { prefix: '/user_management/users/', owner: 'user' },
  { prefix: '/user_management/organization_memberships/', owner: 'membership' },
  { prefix: '/authorization/organization_memberships/', owner: 'membership' },
  { prefix: '/connections/', owner: 'connection' },
  { prefix: '/directories/', owner: 'directory' },
  { prefix: '/directory_users/', owner: 'directory_user' },
  { prefix: '/directory_groups/', owner: 'directory_group' },
  { prefix: '/organization_domains/', owner: 'organization_domain' },
  { prefix: '/user_management/invitations/', owner: 'invitation' },
  { prefix: '/auth/factors/', owner: 'auth_factor' },
];

function isList(endpoint: CatalogEndpoint): boolean {
  return endpoint.method === 'GET' && /(^|\.)list/.test(endpoint.id.split('.')[1] ?? '');
}

/** A scoped list's source, when its query may name its scope (`group` names a group, not a directory). */
function scopedOwner(name: string, fallback: OwnerKind): OwnerKind {
  if (name === 'group') return 'directory_group';
  if (name === 'user') return 'directory_user';
  return fallback;
}

function planFor(endpoint: CatalogEndpoint): PinPlan {
  if (endpoint.anonymous) return { kind: 'anonymous' };
  if (endpoint.id === 'organizations.create') return { kind: 'create_organization' };
  const source = endpoint.organizationId;
  if (source?.in === 'path') return { kind: 'organization', source };
  const itemField = ITEM_FILTERED[endpoint.id];
  if (itemField) return { kind: 'list', filter: null, item: itemField };
  const filter = LIST_FILTERS[endpoint.id] ?? (source?.in === 'query' ? source : null);
  const paramNames = [...endpoint.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  if (filter && isList(endpoint) && paramNames.length === 0)
    return { kind: 'list', filter, item: 'organization_id' };
  if (source) return { kind: 'organization', source };
  const scoped = SCOPED_LISTS[endpoint.id];
  if (scoped) return { kind: 'lookup', from: scoped.from, owner: scoped.owner };
  for (const { prefix, owner } of RESOURCE_PATHS) {
    if (!endpoint.path.startsWith(prefix)) continue;
    const name = /^\{([^}]+)\}/.exec(endpoint.path.slice(prefix.length))?.[1];
    if (name) return { kind: 'lookup', from: [{ in: 'path', name }], owner };
  }
  return { kind: 'environment' };
}

const plans = new WeakMap<CatalogEndpoint, PinPlan>();

/**
 * How an endpoint is pinned. Cached per endpoint object.
 * @example pinPlan(endpointById('users.get')) // { kind: 'lookup', from: [{ in: 'path', name: 'id' }], owner: 'user' }
 */
export function pinPlan(endpoint: CatalogEndpoint): PinPlan {
  let plan = plans.get(endpoint);
  if (!plan) {
    plan = planFor(endpoint);
    plans.set(endpoint, plan);
  }
  return plan;
}

/** The owner kind a scoped list's source names (`group` → a directory group). */
export function ownerOfSource(plan: Extract<PinPlan, { kind: 'lookup' }>, source: ValueSource): OwnerKind {
  return source.in === 'query' ? scopedOwner(source.name, plan.owner) : plan.owner;
}

/** One line for people: how the endpoint is pinned (`bollard catalog show`). */
export function describePinPlan(plan: PinPlan): string {
  switch (plan.kind) {
    case 'anonymous':
      return 'not pinned (served without an API key)';
    case 'organization':
      return `${plan.source.in} ${plan.source.name}`;
    case 'lookup':
      return `lookup: the ${plan.owner.replaceAll('_', ' ')} named by ${plan.from.map((s) => `${s.in} ${s.name}`).join(' or ')}`;
    case 'list':
      return plan.filter
        ? `list filter: query ${plan.filter.name} (required; injected when pinned to one organization)`
        : `list: items filtered on ${plan.item}`;
    case 'create_organization':
      return 'creates an organization: denied to pinned agents';
    case 'environment':
      return 'environment-wide: denied to pinned agents';
  }
}
