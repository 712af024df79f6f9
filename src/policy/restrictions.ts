/**
 * Least privilege below the area: organization pins, argument constraints and response redaction, as data,
 * and the pure checks on them. The gateway, the webhook worker and the MCP tools all decide through here.
 */

/** What a body or query field may be: allowed values, glob patterns (`*@customer.example`), or absent. */
export interface FieldConstraint {
  /** The value must be one of these. */
  allow?: string[];
  /** The value must match one of these patterns; `*` matches any run of characters. */
  match?: string[];
  /** The field must not be sent at all. */
  absent?: boolean;
}

/** The restrictions on one grant (one area). */
export interface GrantRestriction {
  /** Organization ids the grant is pinned to. Absent: not pinned by this grant. */
  organizations?: string[];
  /** Endpoint id → field name → constraint. */
  constraints?: Record<string, Record<string, FieldConstraint>>;
  /** Response paths removed before the agent sees them (`email`, `data.*.raw_attributes`). */
  redact?: string[];
  /** Catalog response secrets (codes, tokens, links, keys) are withheld unless this is true. */
  revealSecrets?: boolean;
}

/** An agent's restrictions: an agent-wide pin and per-grant restrictions. Null on an agent without any. */
export interface AgentRestrictions {
  /** Organization ids every grant of the agent is pinned to. */
  organizations?: string[];
  /** Area → restrictions of that grant. */
  grants?: Record<string, GrantRestriction>;
}

/** The pin that applies to a call in one area: the organizations allowed and which rule set them. */
export interface Pin {
  organizations: readonly string[];
  /** `pin:agent`, `pin:grant:users`, or both joined with `+` (the intersection applies). */
  rule: string;
}

function grantRestriction(
  restrictions: AgentRestrictions | null,
  area: string,
): GrantRestriction | undefined {
  const grants = restrictions?.grants;
  return grants && Object.hasOwn(grants, area) ? grants[area] : undefined;
}

/**
 * The organizations a call in `area` may touch, or null when the agent is not pinned there. With an
 * agent-wide pin and a grant pin both, only organizations in both are allowed.
 * @example pinFor({ organizations: ['org_a', 'org_b'], grants: { users: { organizations: ['org_b'] } } }, 'users')
 *   // { organizations: ['org_b'], rule: 'pin:agent+pin:grant:users' }
 */
export function pinFor(restrictions: AgentRestrictions | null, area: string): Pin | null {
  const agentWide = restrictions?.organizations;
  const grant = grantRestriction(restrictions, area)?.organizations;
  if (agentWide && grant) {
    const both = agentWide.filter((org) => grant.includes(org));
    return { organizations: both, rule: `pin:agent+pin:grant:${area}` };
  }
  if (agentWide) return { organizations: agentWide, rule: 'pin:agent' };
  if (grant) return { organizations: grant, rule: `pin:grant:${area}` };
  return null;
}

/** True when the agent has any restriction: such agents are decided by this module, never a shortcut. */
export function isRestricted(restrictions: AgentRestrictions | null): boolean {
  return restrictions !== null;
}

/** A constraint a call broke: the field, what was sent (bounded) and what was allowed. */
export interface ConstraintViolation {
  field: string;
  rule: string;
  message: string;
}

const MAX_SHOWN = 80;
/** Longest value a `match` pattern is tried on (an email, a slug, an id are far shorter). */
const MAX_MATCHED = 4096;

/** `*` → any run; everything else literal. Anchored. */
export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${escaped}$`, 's');
}

const compiled = new Map<string, RegExp>();
function globMatches(pattern: string, value: string): boolean {
  let regexp = compiled.get(pattern);
  if (!regexp) {
    regexp = globToRegExp(pattern);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, regexp);
  }
  return regexp.test(value);
}

/** The values a field carries in a request: from the body first, else the query; arrays give each item. */
function fieldValues(
  field: string,
  query: URLSearchParams,
  body: Record<string, unknown> | undefined,
): { present: boolean; values: unknown[] } {
  if (body && Object.hasOwn(body, field)) {
    const value = body[field];
    return { present: true, values: Array.isArray(value) ? value : [value] };
  }
  const fromQuery = query.getAll(field);
  return { present: fromQuery.length > 0, values: fromQuery };
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** The first constraint of one field the values break, or null. */
function checkField(field: string, constraint: FieldConstraint, found: ReturnType<typeof fieldValues>) {
  if (constraint.absent) {
    return found.present ? { field, rule: 'absent', message: `the field '${field}' must not be sent` } : null;
  }
  if (!found.present) return null;
  for (const value of found.values) {
    const text =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : null;
    if (constraint.allow && (text === null || !constraint.allow.includes(text))) {
      return {
        field,
        rule: 'allow',
        message: `'${field}' is ${show(value)}; allowed: ${constraint.allow.join(', ')}`,
      };
    }
    // A pattern is matched against a bounded value only: longer ones are refused rather than scanned.
    if (
      constraint.match &&
      (text === null || text.length > MAX_MATCHED || !constraint.match.some((p) => globMatches(p, text)))
    ) {
      return {
        field,
        rule: 'match',
        message: `'${field}' is ${show(value)}; it must match ${constraint.match.join(' or ')}`,
      };
    }
  }
  return null;
}

/**
 * The first argument constraint a call breaks, or null. Constraints are per grant and endpoint.
 * @example checkConstraints({ grants: { users: { constraints: { 'users.create': { email: { match: ['*@acme.example'] } } } } } },
 *   'users', 'users.create', new URLSearchParams(), { email: 'a@evil.example' })
 *   // { field: 'email', rule: 'match', message: "'email' is a@evil.example; it must match *@acme.example" }
 */
export function checkConstraints(
  restrictions: AgentRestrictions | null,
  area: string,
  endpointId: string,
  query: URLSearchParams,
  body: Record<string, unknown> | undefined,
): ConstraintViolation | null {
  const constraints = grantRestriction(restrictions, area)?.constraints;
  const fields = constraints && Object.hasOwn(constraints, endpointId) ? constraints[endpointId] : undefined;
  if (!fields) return null;
  for (const [field, constraint] of Object.entries(fields)) {
    const violation = checkField(field, constraint, fieldValues(field, query, body));
    if (violation) return violation;
  }
  return null;
}

/** `data[].token` (the catalog's spelling) → `data.*.token`. */
export function normalizeResponsePath(path: string): string {
  return path.replaceAll('[]', '.*');
}

/**
 * The response paths withheld from an agent's answer in one area: the grant's `redact` paths, and the
 * endpoint's catalog secrets unless the grant reveals them. Agents without restrictions get answers whole.
 */
export function withheldPaths(
  restrictions: AgentRestrictions | null,
  area: string,
  responseSecrets: readonly string[],
): string[] {
  if (!restrictions) return [];
  const grant = grantRestriction(restrictions, area);
  const paths = [...(grant?.redact ?? [])];
  if (grant?.revealSecrets !== true) paths.push(...responseSecrets.map(normalizeResponsePath));
  return [...new Set(paths)];
}
