import type { CatalogEndpoint } from '../catalog/types.js';
import { BollardError } from '../errors/index.js';
import { MAX_APPROVALS, selectorProblem } from '../policy/index.js';
import type { Access, AgentRecord, ApprovalRule, McpToolMode } from '../store/types.js';
import { checkGrants, grantsFromList } from './grants.js';
import {
  buildRestrictions,
  type GrantSpec,
  grantRestrictionProblems,
  ORGANIZATION_ID,
  splitGrantSpecs,
} from './restriction-input.js';

export const AGENT_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The MCP tool modes an agent may be given; null (or absent) follows the server default. */
export const MCP_TOOL_MODES: readonly McpToolMode[] = ['full', 'compact', 'auto'];

export interface Quota {
  perMinute?: number;
  perDay?: number;
}

/** An `approve:` entry as written: a selector alone (one approval), or with how many operators must approve. */
export type ApprovalInput = string | { selector: string; approvals?: number };

/** `approve:` entries in their one stored form. */
export function approvalRules(input: readonly ApprovalInput[]): ApprovalRule[] {
  return input.map((entry) =>
    typeof entry === 'string'
      ? { selector: entry, approvals: 1 }
      : { selector: entry.selector, approvals: entry.approvals ?? 1 },
  );
}

/** What a caller gives to create an agent. Grants are `AREA:read|write` strings. */
export interface AgentInput {
  name: string;
  description?: string;
  /** `AREA:read|write`, `AREA:read@org_…` (pinned), or an object with the permission and its restrictions. */
  grants: readonly GrantSpec[];
  /** Organizations every grant of the agent is pinned to; null or absent: not pinned agent-wide. */
  organizations?: readonly string[] | null;
  /** ISO-8601, or null for no expiry. */
  expiresAt?: string | null;
  enabled?: boolean;
  weight?: number;
  quota?: Quota | null;
  /** MCP tool list: `full`, `compact` or `auto`; null follows the server default. */
  mcpTools?: McpToolMode | null;
  /** Calls that need an operator's approval first (replaces the agent's list as a whole). */
  approve?: readonly ApprovalInput[];
}

/** What `update` may change. Grants, when given, replace the agent's grants. */
export type AgentPatch = Partial<Omit<AgentInput, 'name'>>;

/** The settable fields of an agent, normalized. */
export type AgentFields = Pick<
  AgentRecord,
  | 'description'
  | 'grants'
  | 'expiresAt'
  | 'enabled'
  | 'weight'
  | 'quota'
  | 'mcpTools'
  | 'restrictions'
  | 'approve'
>;

/** One input problem, pointing at its field (`grants[2]`). */
export interface FieldProblem {
  path: string;
  message: string;
}

function validationError(problems: FieldProblem[]): BollardError {
  const message = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
  return new BollardError('validation_failed', message, { errors: problems });
}

/** Every problem with a name, grants, approvals and expiry, checked against the catalog. */
export function inputProblems(
  input: AgentPatch & { name?: string },
  areaNames: readonly string[],
  endpoints: readonly CatalogEndpoint[] = [],
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (input.name !== undefined && !AGENT_NAME_PATTERN.test(input.name)) {
    problems.push({
      path: 'name',
      message: `'${input.name}' is not a valid agent name (lowercase letters, digits, '.', '_', '-'; at most 63)`,
    });
  }
  const specs = input.grants ?? [];
  const permissions = specs.map((spec) =>
    typeof spec === 'string' ? spec.split('@')[0]! : String(spec.permission),
  );
  // A pinned grant may be given once per organization (`--grant users:read@org_a --grant users:read@org_b`).
  const repeatedPins = new Set(
    specs.flatMap((spec, index) =>
      typeof spec === 'string' && spec.includes('@') && permissions.indexOf(permissions[index]!) !== index
        ? [index]
        : [],
    ),
  );
  for (const problem of checkGrants(permissions, areaNames)) {
    if (repeatedPins.has(problem.index) && /granted twice/.test(problem.message)) continue;
    problems.push({ path: `grants[${problem.index}]`, message: problem.message });
  }
  specs.forEach((spec, index) => {
    const restriction = typeof spec === 'string' ? splitGrantSpecs([spec]).restrictions : null;
    const permission = permissions[index]!;
    const rules = restriction ? Object.values(restriction)[0] : typeof spec === 'string' ? undefined : spec;
    if (!rules) return;
    for (const problem of grantRestrictionProblems(permission, rules)) {
      const below = problem.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('');
      problems.push({ path: `grants[${index}]${below}`, message: problem.message });
    }
  });
  (input.organizations ?? []).forEach((org, index) => {
    if (!ORGANIZATION_ID.test(org))
      problems.push({
        path: `organizations[${index}]`,
        message: `'${org}' is not a WorkOS organization id (org_…)`,
      });
  });
  approvalRules(input.approve ?? []).forEach((rule, index) => {
    const problem = selectorProblem(rule.selector, endpoints);
    if (problem) problems.push({ path: `approve[${index}]`, message: problem });
    else if (!Number.isInteger(rule.approvals) || rule.approvals < 1 || rule.approvals > MAX_APPROVALS)
      problems.push({
        path: `approve[${index}].approvals`,
        message: `a whole number from 1 to ${MAX_APPROVALS}`,
      });
  });
  if (input.expiresAt && Number.isNaN(Date.parse(input.expiresAt))) {
    problems.push({ path: 'expiresAt', message: `'${input.expiresAt}' is not an ISO-8601 date` });
  }
  if (input.mcpTools != null && !MCP_TOOL_MODES.includes(input.mcpTools)) {
    problems.push({
      path: 'mcpTools',
      message: `'${input.mcpTools}' is not an MCP tool mode (${MCP_TOOL_MODES.join(', ')})`,
    });
  }
  return problems;
}

/** Throws `validation_failed` listing every problem, or returns quietly. */
export function assertValidInput(
  input: AgentPatch & { name?: string },
  areaNames: readonly string[],
  endpoints: readonly CatalogEndpoint[] = [],
): void {
  const problems = inputProblems(input, areaNames, endpoints);
  if (problems.length > 0) throw validationError(problems);
}

/** The agent's fields after applying a patch (or the defaults, for a new agent). */
export function mergeFields(base: AgentFields | null, patch: AgentPatch): AgentFields {
  const split = patch.grants ? splitGrantSpecs(patch.grants) : null;
  const grants: Record<string, Access> = split ? grantsFromList(split.list) : { ...(base?.grants ?? {}) };
  const organizations =
    patch.organizations === undefined ? (base?.restrictions?.organizations ?? null) : patch.organizations;
  const grantRestrictions = split ? split.restrictions : { ...(base?.restrictions?.grants ?? {}) };
  return {
    description: patch.description ?? base?.description ?? '',
    grants,
    expiresAt: patch.expiresAt === undefined ? (base?.expiresAt ?? null) : normalizeTime(patch.expiresAt),
    enabled: patch.enabled ?? base?.enabled ?? true,
    weight: patch.weight ?? base?.weight ?? 1,
    quota: patch.quota === undefined ? (base?.quota ?? null) : patch.quota,
    mcpTools: patch.mcpTools === undefined ? (base?.mcpTools ?? null) : patch.mcpTools,
    restrictions: buildRestrictions(organizations, grantRestrictions),
    ...approveField(patch.approve === undefined ? (base?.approve ?? []) : approvalRules(patch.approve)),
  };
}

/** Absent when empty, as the store reads an agent without approvals, so the two compare equal. */
function approveField(rules: readonly ApprovalRule[]): { approve?: ApprovalRule[] } {
  return rules.length > 0 ? { approve: [...rules] } : {};
}

function normalizeTime(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

/** The fields that differ between two versions of an agent, by name. */
export function changedFields(before: AgentFields, after: AgentFields): string[] {
  const keys: (keyof AgentFields)[] = [
    'description',
    'grants',
    'expiresAt',
    'enabled',
    'weight',
    'quota',
    'mcpTools',
    'restrictions',
    'approve',
  ];
  return keys.filter((key) => stableJson(before[key]) !== stableJson(after[key]));
}

/** JSON with object keys sorted, so two equal grant maps compare equal whatever their key order. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${stableJson(object[key])}`).join(',')}}`;
}
