import { stringify } from 'yaml';

/** The fields of an agent (as the admin API shows it) that a policy file declares. */
export interface DeclaredAgent {
  name: string;
  description: string;
  /** `users:read`, or a restricted grant object (`{ permission, organizations, … }`), as the API shows it. */
  grants: readonly (string | object)[];
  expiresAt: string | null;
  enabled: boolean;
  weight: number;
  quota: { perMinute?: number; perDay?: number } | null;
  mcp?: { tools: string | null } | null;
  /** Organizations every grant is pinned to. */
  organizations?: readonly string[] | null;
  /** `approve:` rules; one approval is written as the selector alone. */
  approve?: readonly { selector: string; approvals: number }[];
}

/** A grant as the file spells it: the API's `revealSecrets` is `reveal_secrets` there. */
function fileGrant(grant: string | object): string | object {
  if (typeof grant === 'string' || !('revealSecrets' in grant)) return grant;
  const { revealSecrets, ...rest } = grant as { revealSecrets?: boolean };
  return revealSecrets === undefined ? rest : { ...rest, reveal_secrets: revealSecrets };
}

/**
 * The agents as a bollard.yaml: the fields that differ from their defaults, in the file's own shape.
 * @example policyText([{ name: 'support', description: '', grants: ['users:read'], expiresAt: null, enabled: true, weight: 1, quota: null }])
 */
export function policyText(agents: readonly DeclaredAgent[]): string {
  const declared = agents.map((agent) => ({
    name: agent.name,
    ...(agent.description ? { description: agent.description } : {}),
    grants: agent.grants.map(fileGrant),
    ...(agent.organizations ? { organizations: agent.organizations } : {}),
    ...(agent.expiresAt ? { expires: agent.expiresAt } : {}),
    ...(agent.enabled ? {} : { enabled: false }),
    ...(agent.weight !== 1 ? { weight: agent.weight } : {}),
    ...(agent.quota ? { quota: agent.quota } : {}),
    ...(agent.mcp?.tools ? { mcp: { tools: agent.mcp.tools } } : {}),
    ...(agent.approve?.length
      ? { approve: agent.approve.map((rule) => (rule.approvals === 1 ? rule.selector : rule)) }
      : {}),
  }));
  const header = '# yaml-language-server: $schema=./docs/bollard.schema.json\n';
  return header + stringify({ version: 1, agents: declared }, { flowCollectionPadding: false });
}
