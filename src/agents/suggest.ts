import { getEndpoint } from '../catalog/index.js';
import type { AgentRecord, Store } from '../store/types.js';
import { callRecordsSince } from './replay.js';

/** One endpoint the agent called, and how often. */
export interface UsedEndpoint {
  endpoint: string;
  method: string;
  path: string;
  permission: string;
  count: number;
  destructive: boolean;
}

/** The least privilege that covers what an agent actually did in a window. */
export interface GrantSuggestion {
  agent: string;
  since: string;
  /** Allowed calls of the agent in the window. */
  calls: number;
  used: UsedEndpoint[];
  /** The agent's grants now. */
  current: string[];
  /** The minimal grants that cover every allowed call in the window. */
  grants: string[];
  /** Grants held but not needed: areas never called, or write where read was enough. */
  unused: string[];
  /** `approve:` selectors its irreversible calls would need, when it has none yet. */
  approve: string[];
  /** The change as a policy-file diff of the agent's entry. */
  diff: string;
}

/**
 * Proposes the minimal grants for what an agent was allowed to call since `since` (per area: write if it
 * wrote, else read), lists the grants it held but did not use, and the approvals its destructive calls would
 * need. Organization pins and constraints the agent has are kept by whoever applies it; this is about areas.
 */
export async function suggestGrants(
  store: Pick<Store, 'queryAudit'>,
  agent: AgentRecord,
  since: string,
): Promise<GrantSuggestion> {
  const used = new Map<string, UsedEndpoint>();
  let calls = 0;
  for await (const record of callRecordsSince(store, since)) {
    if (record.agentId !== agent.id || record.decision !== 'allow' || !record.endpointId) continue;
    const endpoint = getEndpoint(record.endpointId);
    if (!endpoint || endpoint.anonymous) continue;
    calls++;
    const entry = used.get(endpoint.id) ?? {
      endpoint: endpoint.id,
      method: endpoint.method,
      path: endpoint.path,
      permission: endpoint.permission,
      count: 0,
      destructive: endpoint.destructive,
    };
    entry.count++;
    used.set(endpoint.id, entry);
  }
  const needed = new Map<string, 'read' | 'write'>();
  for (const entry of used.values()) {
    const [area, access] = entry.permission.split(':') as [string, 'read' | 'write'];
    if (access === 'write' || !needed.has(area)) needed.set(area, access);
  }
  const current = Object.entries(agent.grants)
    .map(([area, access]) => `${area}:${access}`)
    .sort();
  const grants = [...needed].map(([area, access]) => `${area}:${access}`).sort();
  const unused = current.filter((grant) => !grants.includes(grant));
  const destructive = [...used.values()].some((entry) => entry.destructive);
  const has = new Set((agent.approve ?? []).map((rule) => rule.selector));
  const approve = destructive && !has.has('destructive') ? ['destructive'] : [];
  return {
    agent: agent.name,
    since,
    calls,
    used: [...used.values()].sort((a, b) => b.count - a.count || a.endpoint.localeCompare(b.endpoint)),
    current,
    grants,
    unused,
    approve,
    diff: policyDiff(agent.name, current, grants, approve),
  };
}

/** The agent's `grants:` (and new `approve:`) as a policy-file diff: ' ' kept, '-' removed, '+' added. */
function policyDiff(name: string, current: string[], grants: string[], approve: string[]): string {
  const lines = [`   - name: ${name}`, '     grants:'];
  for (const grant of [...new Set([...current, ...grants])].sort()) {
    const mark = current.includes(grant) ? (grants.includes(grant) ? ' ' : '-') : '+';
    lines.push(`${mark}      - ${grant}`);
  }
  if (approve.length > 0) lines.push('+    approve:', ...approve.map((selector) => `+      - ${selector}`));
  return lines.join('\n');
}
