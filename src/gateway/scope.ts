import { ownerOfSource, pinPlan } from '../catalog/pinning.js';
import type { CatalogEndpoint } from '../catalog/types.js';
import { type RequestValues, readValue } from '../catalog/value-source.js';
import { BollardError } from '../errors/index.js';
import {
  type AgentRestrictions,
  checkConstraints,
  type Pin,
  pinFor,
  withheldPaths,
} from '../policy/restrictions.js';
import type { OwnerAnswer, OwnerResolver } from './owner-resolver.js';

/** What an allowed, restricted call must do besides being forwarded. */
export interface CallScope {
  /** The organization filter Bollard adds to a list (the agent is pinned to exactly one organization). */
  inject: { name: string; value: string } | null;
  /** Keep only the list items whose `field` is one of `organizations`. */
  filterItems: { field: string; organizations: readonly string[] } | null;
  /** Response paths removed before the agent sees the answer. */
  withhold: string[];
}

/** A restricted call refused: the error to answer with and the audit's reason and rule. */
export interface ScopeDenial {
  error: BollardError;
  reason: string;
  rule: string;
}

export type ScopeDecision = { ok: true; scope: CallScope | null } | { ok: false; denial: ScopeDenial };

const UNSCOPED: ScopeDecision = { ok: true, scope: null };

interface Caller {
  name: string;
  restrictions?: AgentRestrictions | null;
}

function organizationDenial(
  agent: Caller,
  endpoint: CatalogEndpoint,
  pin: Pin,
  organization: string | null,
  why: string,
  reason = 'organization_not_allowed',
): ScopeDenial {
  const allowed = pin.organizations.length > 0 ? pin.organizations.join(', ') : 'none';
  return {
    error: new BollardError(
      'organization_not_allowed',
      `Agent '${agent.name}' is pinned to ${allowed} (${pin.rule}); ${why}.`,
      {
        agent: agent.name,
        endpoint: endpoint.id,
        organization_id: organization,
        pinned_organizations: [...pin.organizations],
        pin: pin.rule,
      },
    ),
    reason,
    rule: pin.rule,
  };
}

/**
 * The organization pin's verdict on one call, from the catalog's pin plan: compare an organization the
 * call names, look up the owner of a resource it names (fail closed), or scope a list. Synchronous when
 * nothing must be looked up (the owner is cached), so a cached pinned call costs microseconds.
 */
function decidePin(
  owners: OwnerResolver,
  agent: Caller,
  endpoint: CatalogEndpoint,
  pin: Pin,
  request: RequestValues,
): ScopeDenial | CallScope['inject'] | CallScope['filterItems'] | null | Promise<ScopeDenial | null> {
  const plan = pinPlan(endpoint);
  const allowed = (org: string) => pin.organizations.includes(org);
  switch (plan.kind) {
    case 'anonymous':
      return null;
    case 'create_organization':
      return organizationDenial(agent, endpoint, pin, null, 'a pinned agent may not create organizations');
    case 'environment':
      return organizationDenial(
        agent,
        endpoint,
        pin,
        null,
        `${endpoint.method} ${endpoint.path} is environment-wide, tied to no organization`,
      );
    case 'organization': {
      const org = readValue(plan.source, request);
      if (!org)
        return organizationDenial(
          agent,
          endpoint,
          pin,
          null,
          `the call must name its organization (${plan.source.in} ${plan.source.name})`,
        );
      if (plan.source.in === 'query' && request.query.getAll(plan.source.name).length > 1)
        return organizationDenial(agent, endpoint, pin, org, `${plan.source.name} is given more than once`);
      return allowed(org)
        ? null
        : organizationDenial(agent, endpoint, pin, org, `organization ${org} is outside the pin`);
    }
    case 'list': {
      if (!plan.filter) return { field: plan.item, organizations: pin.organizations };
      const values = request.query.getAll(plan.filter.name);
      if (values.length > 1)
        return organizationDenial(
          agent,
          endpoint,
          pin,
          values[0]!,
          `${plan.filter.name} is given more than once`,
        );
      const org = values[0];
      if (org) {
        return allowed(org)
          ? null
          : organizationDenial(agent, endpoint, pin, org, `organization ${org} is outside the pin`);
      }
      if (pin.organizations.length === 1) return { name: plan.filter.name, value: pin.organizations[0]! };
      return organizationDenial(
        agent,
        endpoint,
        pin,
        null,
        `a list must be filtered by one of them: add ${plan.filter.name}`,
      );
    }
    case 'lookup': {
      const source = plan.from.find((from) => readValue(from, request));
      if (!source)
        return organizationDenial(agent, endpoint, pin, null, 'the call names nothing Bollard can check');
      const id = readValue(source, request)!;
      const kind = ownerOfSource(plan, source);
      const verdict = (answer: OwnerAnswer): ScopeDenial | null => {
        if (!answer.ok)
          return organizationDenial(
            agent,
            endpoint,
            pin,
            null,
            `the owner of ${id} is unknown (${answer.problem}), so the call is denied`,
            'owner_unresolved',
          );
        const orgs = answer.organizations;
        // A read may see a user if any of its organizations is pinned; a write needs every one of them.
        const pass = endpoint.access === 'read' ? orgs.some(allowed) : orgs.length > 0 && orgs.every(allowed);
        if (pass) return null;
        const outside = orgs.find((org) => !allowed(org)) ?? null;
        const why =
          orgs.length === 0
            ? `${id} belongs to no organization`
            : endpoint.access === 'read'
              ? `${id} belongs to ${orgs.join(', ')}, none of them pinned`
              : `${id} also belongs to ${outside}, and a write needs every one of its organizations pinned`;
        return organizationDenial(agent, endpoint, pin, outside, why);
      };
      const answer = owners.owners(kind, id);
      return answer instanceof Promise ? answer.then(verdict) : verdict(answer);
    }
  }
}

function isDenial(value: unknown): value is ScopeDenial {
  return value !== null && typeof value === 'object' && 'error' in value;
}

/**
 * Everything the agent's restrictions say about one call: its organization pin, its argument constraints,
 * what is withheld from its answer. The one decision for the proxy, /mcp (through the proxy's pipeline) and
 * its recheck after a wait. An agent without restrictions costs one comparison.
 */
export function decideScope(
  owners: OwnerResolver,
  agent: Caller | null,
  endpoint: CatalogEndpoint,
  request: RequestValues,
): ScopeDecision | Promise<ScopeDecision> {
  const restrictions = agent?.restrictions ?? null;
  if (!agent || !restrictions || endpoint.anonymous) return UNSCOPED;
  const body = isObject(request.body) ? request.body : undefined;
  const violation = checkConstraints(restrictions, endpoint.area, endpoint.id, request.query, body);
  if (violation) {
    return {
      ok: false,
      denial: {
        error: new BollardError(
          'constraint_violated',
          `Agent '${agent.name}' may not call ${endpoint.id} this way: ${violation.message}.`,
          { agent: agent.name, endpoint: endpoint.id, field: violation.field, constraint: violation.rule },
        ),
        reason: 'constraint_violated',
        rule: `constraint:${endpoint.area}:${endpoint.id}:${violation.field}`,
      },
    };
  }
  const withhold = withheldPaths(restrictions, endpoint.area, endpoint.responseSecrets);
  const pin = pinFor(restrictions, endpoint.area);
  const finish = (
    pinned: ReturnType<typeof decidePin> extends infer T ? Awaited<T> : never,
  ): ScopeDecision => {
    if (isDenial(pinned)) return { ok: false, denial: pinned };
    const inject = pinned && 'name' in pinned ? pinned : null;
    const filterItems = pinned && 'field' in pinned ? pinned : null;
    if (!inject && !filterItems && withhold.length === 0) return UNSCOPED;
    return { ok: true, scope: { inject, filterItems, withhold } };
  };
  if (!pin) return finish(null);
  const pinned = decidePin(owners, agent, endpoint, pin, request);
  return pinned instanceof Promise ? pinned.then(finish) : finish(pinned);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
