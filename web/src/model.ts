import type { Agent, Endpoint, Grant } from './types';

/** `/organizations/{id}` → a pattern that a concrete `/organizations/org_01H…` matches. */
function templatePattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]*\\?\}/g, '[^/]+');
  return new RegExp(`^${escaped}/?$`, 'i');
}
const patterns = new Map<string, RegExp>();

/** A search text finds an endpoint by its template, its summary, its id, or a concrete path it serves. */
export function searchMatches(endpoint: Endpoint, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  if (
    endpoint.path.toLowerCase().includes(needle) ||
    endpoint.summary.toLowerCase().includes(needle) ||
    endpoint.id.toLowerCase().includes(needle)
  )
    return true;
  if (!needle.startsWith('/')) return false;
  let pattern = patterns.get(endpoint.path);
  if (!pattern) {
    pattern = templatePattern(endpoint.path);
    patterns.set(endpoint.path, pattern);
  }
  return pattern.test(needle.split('?', 1)[0] ?? '');
}

export const permissionOf = (grant: Grant): string => (typeof grant === 'string' ? grant : grant.permission);
export const permissionsOf = (grants: readonly Grant[]): string[] => grants.map(permissionOf);

/** `users:read`, or `users:read (restricted: organizations)` for a grant with restrictions. */
export function grantLabel(grant: Grant): string {
  if (typeof grant === 'string') return grant;
  const restrictions = Object.keys(grant).filter((key) => key !== 'permission');
  return restrictions.length
    ? `${grant.permission} (restricted: ${restrictions.join(', ')})`
    : grant.permission;
}

/** Does a grant list allow a permission? Write includes read. */
export function allows(grants: readonly string[], permission: string): boolean {
  if (grants.includes(permission)) return true;
  const [area, access] = permission.split(':');
  return access === 'read' && grants.includes(`${area}:write`);
}

export type AgentStatus = 'active' | 'disabled' | 'expired' | 'revoked';

export function agentStatus(agent: Agent, now = Date.now()): AgentStatus {
  if (!agent.enabled) return 'disabled';
  if (agent.expiresAt && Date.parse(agent.expiresAt) <= now) return 'expired';
  if (!agent.tokens.some((token) => token.active)) return 'revoked';
  return 'active';
}

/** Agents that can call an endpoint today: enabled, unexpired, with a live token and the permission. */
export function agentsWhoCanCall(agents: readonly Agent[], endpoint: Endpoint): Agent[] {
  return agents.filter(
    (agent) => agentStatus(agent) === 'active' && allows(permissionsOf(agent.grants), endpoint.permission),
  );
}

/** The endpoints an access level opens in an area: read opens the reads, write opens everything. */
export function endpointsOpened(
  endpoints: readonly Endpoint[],
  area: string,
  access: 'none' | 'read' | 'write',
) {
  if (access === 'none') return [];
  return endpoints.filter((e) => e.area === area && (access === 'write' || e.access === 'read'));
}

export function risks(endpoints: readonly Endpoint[]) {
  return {
    destructive: endpoints.filter((e) => e.destructive),
    secrets: endpoints.filter((e) => e.responseSecrets.length > 0),
  };
}

/** The endpoints a grant list opens. */
export function openedBy(endpoints: readonly Endpoint[], grants: readonly string[]): Endpoint[] {
  return endpoints.filter((endpoint) => allows(grants, endpoint.permission));
}

export function timeAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  const future = seconds < 0;
  const abs = Math.abs(seconds);
  const text =
    abs < 60
      ? `${abs}s`
      : abs < 3600
        ? `${Math.round(abs / 60)}m`
        : abs < 86400
          ? `${Math.round(abs / 3600)}h`
          : `${Math.round(abs / 86400)}d`;
  return future ? `in ${text}` : `${text} ago`;
}

export const isoAgo = (ms: number) => new Date(Date.now() - ms).toISOString();
