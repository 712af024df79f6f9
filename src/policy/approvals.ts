import type { CatalogEndpoint } from '../catalog/types.js';

/**
 * One `approve:` entry of an agent: which calls need an operator's approval first, and how many distinct
 * operators must approve (2 is the two-person rule).
 * @example { selector: 'destructive', approvals: 2 }
 */
export interface ApprovalRule {
  /** `destructive`, `secrets`, a permission (`organizations:write`) or an endpoint (`DELETE /organizations/{id}`). */
  selector: string;
  approvals: number;
}

/** The most approvals one call can ask for. */
export const MAX_APPROVALS = 5;

const ENDPOINT_SELECTOR = /^(GET|POST|PUT|PATCH|DELETE) (\/\S*)$/;

/** True when `selector` picks `endpoint`. */
export function selectorMatches(selector: string, endpoint: CatalogEndpoint): boolean {
  if (selector === 'destructive') return endpoint.destructive;
  if (selector === 'secrets') return endpoint.responseSecrets.length > 0;
  const call = ENDPOINT_SELECTOR.exec(selector);
  if (call) return call[1] === endpoint.method && call[2] === endpoint.path;
  return selector === endpoint.permission;
}

/**
 * The approval a call to `endpoint` needs under the agent's `approve:` rules, or null: of several matching
 * rules the one asking the most approvals wins.
 */
export function approvalFor(
  rules: readonly ApprovalRule[] | undefined,
  endpoint: CatalogEndpoint,
): ApprovalRule | null {
  let needed: ApprovalRule | null = null;
  for (const rule of rules ?? []) {
    if (!selectorMatches(rule.selector, endpoint)) continue;
    if (!needed || rule.approvals > needed.approvals) needed = rule;
  }
  return needed;
}

/**
 * Why a selector is not one Bollard knows, checked against the catalog, or null. A permission or endpoint
 * that no catalog entry has is refused, like a grant of an unknown area.
 */
export function selectorProblem(selector: string, endpoints: readonly CatalogEndpoint[]): string | null {
  if (selector === 'destructive' || selector === 'secrets') return null;
  const call = ENDPOINT_SELECTOR.exec(selector);
  if (call) {
    if (endpoints.some((e) => e.method === call[1] && e.path === call[2])) return null;
    const samePath = endpoints.filter((e) => e.path === call[2]).map((e) => e.method);
    return samePath.length > 0
      ? `no ${call[1]} on ${call[2]} in the catalog (it has ${samePath.join(', ')})`
      : `no endpoint ${call[2]} in the catalog (write the path as the catalog does: DELETE /organizations/{id})`;
  }
  if (/^[a-z_]+:(read|write)$/.test(selector)) {
    return endpoints.some((e) => e.permission === selector) ? null : `no endpoint needs '${selector}'`;
  }
  return `'${selector}' is not an approval selector: use destructive, secrets, AREA:read|write or 'METHOD /path'`;
}
