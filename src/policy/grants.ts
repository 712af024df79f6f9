import type { Access, Permission } from '../catalog/types.js';

/** An agent's grants: area → the highest access it holds there. */
export type Grants = Readonly<Record<string, Access>>;

/** Splits `organizations:write` into its parts, or null when it is not a permission. */
export function parsePermission(permission: string): { area: string; access: Access } | null {
  const colon = permission.lastIndexOf(':');
  if (colon <= 0) return null;
  const access = permission.slice(colon + 1);
  if (access !== 'read' && access !== 'write') return null;
  return { area: permission.slice(0, colon), access };
}

/** True when the grants include the permission. Write includes read. */
export function grantsAllow(grants: Grants, permission: Permission | string): boolean {
  const wanted = parsePermission(permission);
  if (!wanted) return false;
  const held = Object.hasOwn(grants, wanted.area) ? grants[wanted.area] : undefined;
  if (held === 'write') return true;
  return held === 'read' && wanted.access === 'read';
}

/** The permissions the grants amount to, expanded (`x:write` also yields `x:read`), sorted. */
export function expandGrants(grants: Grants): Permission[] {
  const out: Permission[] = [];
  for (const [area, access] of Object.entries(grants)) {
    out.push(`${area}:read`);
    if (access === 'write') out.push(`${area}:write`);
  }
  return out.sort();
}
