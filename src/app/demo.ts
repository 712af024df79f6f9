import type { AgentService } from '../agents/index.js';

/** The agents demo mode creates, each with the least it needs for its job. */
export const DEMO_AGENTS = [
  {
    name: 'support-bot',
    description: 'Looks users and organizations up for support; reads only.',
    grants: ['users:read', 'organizations:read', 'directory_sync:read'],
  },
  {
    name: 'provisioner',
    description: 'Creates and updates users and organizations.',
    grants: ['users:write', 'organizations:write', 'organization_domains:write'],
  },
  {
    name: 'auditor',
    description: 'Reads audit logs and nothing else.',
    grants: ['audit_logs:read'],
  },
] as const;

export interface DemoAgentToken {
  name: string;
  grants: readonly string[];
  token: string;
}

/**
 * Makes sure the demo agents exist and gives each a fresh token to print. Tokens are shown once and
 * stored only as hashes, so a restarted demo rotates them (without grace) instead of reusing old ones.
 */
export async function ensureDemoAgents(agents: AgentService): Promise<DemoAgentToken[]> {
  const actor = { kind: 'system' as const, name: 'demo' };
  const out: DemoAgentToken[] = [];
  for (const demo of DEMO_AGENTS) {
    const existing = await agents.get(demo.name).catch(() => null);
    const token = existing
      ? (await agents.rotate(demo.name, { graceSeconds: 0 }, actor)).token
      : (
          await agents.create(
            { name: demo.name, description: demo.description, grants: [...demo.grants] },
            actor,
          )
        ).token;
    out.push({ name: demo.name, grants: demo.grants, token });
  }
  return out;
}
