import { suggestName } from '../catalog/index.js';
import { expandGrants, type Grants } from '../policy/index.js';
import type { Access } from '../store/types.js';

const ACCESS_LEVELS: readonly Access[] = ['read', 'write'];

/** `" — did you mean 'x'?"`, or an empty string when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = suggestName(input, candidates);
  return match ? ` — did you mean '${match}'?` : '';
}

/** One problem with one grant, with its index in the input list so callers can point at it. */
export interface GrantProblem {
  index: number;
  message: string;
}

/**
 * Why `AREA:ACCESS` is not a valid grant, or null when it is.
 * @example grantProblem('organisation:read', ['organizations']) // "unknown area 'organisation' — did you mean 'organizations'?"
 */
export function grantProblem(grant: string, areaNames: readonly string[]): string | null {
  const [area = '', access, ...rest] = grant.split(':');
  if (access === undefined || rest.length > 0) {
    return `grant '${grant}' must look like AREA:read or AREA:write (for example 'users:read')`;
  }
  if (!areaNames.includes(area)) return `unknown area '${area}'${didYouMean(area, areaNames)}`;
  if (!ACCESS_LEVELS.includes(access as Access)) {
    return `unknown access level '${access}' in '${grant}'${didYouMean(access, ACCESS_LEVELS)} (use read or write)`;
  }
  return null;
}

/** Checks a list of `AREA:ACCESS` grants: every problem, each with its index. Listing an area twice is one. */
export function checkGrants(grants: readonly string[], areaNames: readonly string[]): GrantProblem[] {
  const problems: GrantProblem[] = [];
  const seen = new Map<string, number>();
  grants.forEach((grant, index) => {
    const message = grantProblem(grant, areaNames);
    if (message) {
      problems.push({ index, message });
      return;
    }
    const area = grant.split(':')[0]!;
    const first = seen.get(area);
    if (first !== undefined) {
      problems.push({
        index,
        message: `area '${area}' is granted twice (items ${first + 1} and ${index + 1})`,
      });
    }
    seen.set(area, index);
  });
  return problems;
}

/** `['users:write', 'sso:read']` → `{ users: 'write', sso: 'read' }`. Assumes `checkGrants` passed. */
export function grantsFromList(grants: readonly string[]): Record<string, Access> {
  const out: Record<string, Access> = {};
  for (const grant of grants) {
    const [area, access] = grant.split(':') as [string, Access];
    out[area] = access;
  }
  return out;
}

/** `{ users: 'write' }` → `['users:write']`, sorted by area. */
export function grantsToList(grants: Grants): string[] {
  return Object.keys(grants)
    .sort()
    .map((area) => `${area}:${grants[area]}`);
}

/** Permissions gained and lost going from one set of grants to another, each sorted. */
export function diffGrants(before: Grants, after: Grants): { gained: string[]; lost: string[] } {
  const was = new Set<string>(expandGrants(before));
  const will = new Set<string>(expandGrants(after));
  return {
    gained: [...will].filter((p) => !was.has(p)).sort(),
    lost: [...was].filter((p) => !will.has(p)).sort(),
  };
}
