import type { OperatorRole } from '../store/types.js';

export const OPERATOR_ROLES: readonly OperatorRole[] = ['admin', 'approver', 'viewer'];

const RANK: Record<OperatorRole, number> = { viewer: 0, approver: 1, admin: 2 };

/** True when `held` is `needed` or above it (admin > approver > viewer). */
export function roleAllows(held: OperatorRole, needed: OperatorRole): boolean {
  return RANK[held] >= RANK[needed];
}

/**
 * Admin routes that need another role than their method's default (GET: viewer, anything else: admin),
 * by the route pattern the router matched. A route not listed here that changes state needs an admin,
 * so a new route is admin-only until someone decides otherwise.
 */
export const ROUTE_ROLES: ReadonlyMap<string, OperatorRole> = new Map<string, OperatorRole>([
  // Deciding approvals is what approvers are for.
  ['POST /api/v1/approvals/:id/approve', 'approver'],
  ['POST /api/v1/approvals/:id/deny', 'approver'],
  // Reads that take a body: they change nothing.
  ['POST /api/v1/policy/plan', 'viewer'],
  ['POST /api/v1/policy/replay', 'viewer'],
  ['POST /api/v1/policy/validate', 'viewer'],
  // Signing one's own console session out.
  ['DELETE /api/v1/session', 'viewer'],
  ['POST /api/v1/audit/verify', 'viewer'],
]);

/** The role a route needs: its entry in `ROUTE_ROLES`, else viewer to read and admin to change. */
export function requiredRole(route: string | null): OperatorRole {
  if (route === null) return 'viewer'; // nothing matched: the authenticated caller gets the 404
  const listed = ROUTE_ROLES.get(route);
  if (listed) return listed;
  const method = route.slice(0, route.indexOf(' '));
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'admin';
}
