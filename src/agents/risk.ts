import type { CatalogEndpoint } from '../catalog/types.js';

/** Areas where write access lets an agent take over identities or tenants. */
const SENSITIVE_WRITE_AREAS = new Set(['users', 'organizations']);

/** Why one permission deserves a second look in review. */
export interface RiskWarning {
  permission: string;
  reasons: string[];
}

/**
 * The risks of holding one permission, derived from the catalog: write on users or organizations,
 * destructive endpoints it reaches, and endpoints whose responses carry secrets. Null when none.
 * Only the endpoints that need exactly this permission count (`users:write` is judged by the
 * write endpoints; the reads it includes are judged under `users:read`).
 */
export function permissionRisk(
  permission: string,
  endpoints: readonly CatalogEndpoint[],
): RiskWarning | null {
  const [area = '', access] = permission.split(':');
  const reached = endpoints.filter((endpoint) => endpoint.permission === permission);
  const reasons: string[] = [];
  if (access === 'write' && SENSITIVE_WRITE_AREAS.has(area)) {
    reasons.push(`write access on ${area} can create, change and delete ${area}`);
  }
  const destructive = reached.filter((endpoint) => endpoint.destructive).map((endpoint) => endpoint.id);
  if (destructive.length > 0) reasons.push(`reaches destructive endpoints: ${destructive.join(', ')}`);
  const secretive = reached
    .filter((endpoint) => endpoint.responseSecrets.length > 0)
    .map((endpoint) => `${endpoint.id} (${endpoint.responseSecrets.join(', ')})`);
  if (secretive.length > 0) reasons.push(`responses carry secrets: ${secretive.join(', ')}`);
  return reasons.length > 0 ? { permission, reasons } : null;
}

/** The warnings for a list of permissions, in the list's order. */
export function riskWarnings(
  permissions: readonly string[],
  endpoints: readonly CatalogEndpoint[],
): RiskWarning[] {
  return permissions.flatMap((permission) => permissionRisk(permission, endpoints) ?? []);
}
