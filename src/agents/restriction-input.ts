import { endpoints as catalogEndpoints } from '../catalog/index.js';
import type { CatalogEndpoint } from '../catalog/types.js';
import { TOOL_INPUTS } from '../mcp/data/tool-inputs.js';
import type { JsonSchema } from '../mcp/tool-input.js';
import type { AgentRestrictions, FieldConstraint, GrantRestriction } from '../policy/restrictions.js';
import type { Access } from '../store/types.js';
import { didYouMean } from './grants.js';

/**
 * A grant as people write it: `users:read`, `users:read@org_01…` (pinned), or an object with the
 * permission and its restrictions (policy file and admin API).
 */
export type GrantSpec = string | GrantObject;

export interface GrantObject {
  permission: string;
  organizations?: string[];
  constraints?: Record<string, Record<string, FieldConstraint>>;
  redact?: string[];
  revealSecrets?: boolean;
}

/** One problem with a grant's restrictions: where (relative to the grant) and what. */
export interface RestrictionProblem {
  /** Keys below the grant (`['constraints', 'users.create', 'email']`), empty for the grant itself. */
  path: (string | number)[];
  message: string;
}

/** WorkOS organization ids: `org_` and letters or digits. */
export const ORGANIZATION_ID = /^org_[A-Za-z0-9]{1,100}$/;
const RESPONSE_PATH = /^(\*|[A-Za-z0-9_-]{1,100})(\.(\*|[A-Za-z0-9_-]{1,100})){0,15}$/;

/** `users:read@org_a` → its permission and pin; a plain grant has no pin. */
export function splitGrantString(grant: string): { permission: string; organizations: string[] | null } {
  const at = grant.indexOf('@');
  if (at < 0) return { permission: grant, organizations: null };
  const organizations = grant
    .slice(at + 1)
    .split(/[+|]/)
    .map((org) => org.trim())
    .filter(Boolean);
  return { permission: grant.slice(0, at), organizations };
}

/**
 * Grant specs → the plain `AREA:ACCESS` list and the per-area restrictions. A pinned grant given twice
 * (`--grant users:read@org_a --grant users:read@org_b`) is one grant pinned to both.
 */
export function splitGrantSpecs(specs: readonly GrantSpec[]): {
  list: string[];
  restrictions: Record<string, GrantRestriction>;
} {
  const list: string[] = [];
  const restrictions: Record<string, GrantRestriction> = {};
  for (const spec of specs) {
    const object: GrantObject = typeof spec === 'string' ? fromString(spec) : spec;
    const area = object.permission.split(':')[0] ?? '';
    const repeat = list.includes(object.permission) && typeof spec === 'string';
    if (!repeat) list.push(object.permission);
    const restriction: GrantRestriction = { ...(restrictions[area] ?? {}) };
    if (object.organizations) {
      restriction.organizations = [
        ...new Set([...(restriction.organizations ?? []), ...object.organizations]),
      ];
    }
    if (object.constraints && Object.keys(object.constraints).length > 0)
      restriction.constraints = object.constraints;
    if (object.redact && object.redact.length > 0) restriction.redact = [...object.redact];
    if (object.revealSecrets !== undefined) restriction.revealSecrets = object.revealSecrets;
    if (Object.keys(restriction).length > 0) restrictions[area] = restriction;
  }
  return { list, restrictions };
}

function fromString(grant: string): GrantObject {
  const { permission, organizations } = splitGrantString(grant);
  return organizations ? { permission, organizations } : { permission };
}

/** Agent-wide pin and grant restrictions → the stored form, or null when there is nothing. */
export function buildRestrictions(
  organizations: readonly string[] | null | undefined,
  grants: Record<string, GrantRestriction>,
): AgentRestrictions | null {
  const out: AgentRestrictions = {};
  if (organizations) out.organizations = [...new Set(organizations)];
  if (Object.keys(grants).length > 0) out.grants = grants;
  return Object.keys(out).length > 0 ? out : null;
}

/** The grant specs of stored grants and restrictions: pins in the string, the rest as objects. */
export function grantSpecsOf(
  grants: Readonly<Record<string, Access>>,
  restrictions: AgentRestrictions | null | undefined,
): GrantSpec[] {
  return Object.keys(grants)
    .sort()
    .map((area) => {
      const permission = `${area}:${grants[area]}`;
      const restriction = restrictions?.grants?.[area];
      if (!restriction) return permission;
      const { organizations, ...rest } = restriction;
      if (Object.keys(rest).length === 0 && organizations) return `${permission}@${organizations.join('+')}`;
      return { permission, ...restriction };
    });
}

/** Field names an endpoint takes in its query and body, per WorkOS's OpenAPI spec; null without a spec. */
export function endpointFields(endpoint: CatalogEndpoint): Set<string> | null {
  const input = TOOL_INPUTS[endpoint.id];
  if (!input) return null;
  const pathParams = new Set([...endpoint.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!));
  const fields = new Set<string>();
  const top = (input.inputSchema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, schema] of Object.entries(top)) {
    if (name === 'body') collectProperties(schema, fields);
    else if (!pathParams.has(name)) fields.add(name);
  }
  return fields;
}

function collectProperties(schema: JsonSchema, into: Set<string>, depth = 0): void {
  if (depth > 8 || !schema || typeof schema !== 'object') return;
  for (const name of Object.keys((schema.properties ?? {}) as object)) into.add(name);
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) for (const part of list) collectProperties(part as JsonSchema, into, depth + 1);
  }
}

function constraintShapeProblem(constraint: FieldConstraint): string | null {
  const hasValues = (constraint.allow?.length ?? 0) > 0 || (constraint.match?.length ?? 0) > 0;
  if (constraint.absent && hasValues) return "'absent' cannot be combined with 'allow' or 'match'";
  if (!constraint.absent && !hasValues) return "a constraint needs 'allow', 'match' or 'absent: true'";
  return null;
}

/**
 * Every problem with one grant's restrictions: organization ids, constraint endpoints (in the grant's
 * area, within its access) and fields (the endpoint must have them, per the OpenAPI spec), response paths.
 */
export function grantRestrictionProblems(
  permission: string,
  restriction: Omit<GrantObject, 'permission'>,
  endpoints: readonly CatalogEndpoint[] = catalogEndpoints,
): RestrictionProblem[] {
  const problems: RestrictionProblem[] = [];
  const [area, access] = permission.split(':') as [string, Access];
  (restriction.organizations ?? []).forEach((org, index) => {
    if (!ORGANIZATION_ID.test(org))
      problems.push({
        path: ['organizations', index],
        message: `'${org}' is not a WorkOS organization id (org_…)`,
      });
  });
  if (restriction.organizations && restriction.organizations.length === 0)
    problems.push({ path: ['organizations'], message: 'a pin needs at least one organization' });
  const inArea = endpoints.filter((endpoint) => endpoint.area === area);
  for (const [endpointId, fields] of Object.entries(restriction.constraints ?? {})) {
    const endpoint = inArea.find((candidate) => candidate.id === endpointId);
    if (!endpoint) {
      const elsewhere = endpoints.find((candidate) => candidate.id === endpointId);
      problems.push({
        path: ['constraints', endpointId],
        message: elsewhere
          ? `endpoint '${endpointId}' is in area '${elsewhere.area}', not '${area}'`
          : `unknown endpoint '${endpointId}'${didYouMean(
              endpointId,
              inArea.map((e) => e.id),
            )}`,
      });
      continue;
    }
    if (endpoint.access === 'write' && access === 'read') {
      problems.push({
        path: ['constraints', endpointId],
        message: `'${endpointId}' needs ${area}:write; this grant is ${permission}`,
      });
    }
    const known = endpointFields(endpoint);
    for (const [field, constraint] of Object.entries(fields ?? {})) {
      if (!known) {
        problems.push({
          path: ['constraints', endpointId, field],
          message: `'${endpointId}' is not in WorkOS's OpenAPI spec, so its fields cannot be constrained`,
        });
      } else if (!known.has(field)) {
        problems.push({
          path: ['constraints', endpointId, field],
          message: `'${endpointId}' has no field '${field}'${didYouMean(field, [...known])} (fields: ${[...known].sort().join(', ') || 'none'})`,
        });
      }
      const shape = constraintShapeProblem(constraint ?? {});
      if (shape) problems.push({ path: ['constraints', endpointId, field], message: shape });
    }
  }
  (restriction.redact ?? []).forEach((path, index) => {
    if (!RESPONSE_PATH.test(path))
      problems.push({
        path: ['redact', index],
        message: `'${path}' is not a response path (dotted field names, '*' for every item: data.*.email)`,
      });
  });
  return problems;
}
