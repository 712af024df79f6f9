import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
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
    // What the store holds, not what this file says: the banner must match the agent that answers.
    const stored = await agents.get(demo.name);
    out.push({ name: demo.name, grants: grantList(stored.grants), token });
  }
  return out;
}

function grantList(grants: Readonly<Record<string, string>>): string[] {
  return Object.keys(grants)
    .sort()
    .map((area) => `${area}:${grants[area]}`);
}

/**
 * The emulator keeps its data in memory, so a restarted demo's WorkOS is new; Bollard's demo state starts
 * new with it, or agents, tokens and audit records would point at objects that no longer exist. Nothing is
 * deleted: the previous run's database files move to `previous/<time>/` in the data directory.
 * @returns where the previous state went, or null when there was none.
 */
export async function freshDemoState(dataDir: string, now = new Date()): Promise<string | null> {
  const files = (await readdir(dataDir).catch(() => [] as string[])).filter((name) =>
    /^bollard\.db(-wal|-shm|-journal)?$/.test(name),
  );
  if (files.length === 0) return null;
  const kept = path.join(dataDir, 'previous', now.toISOString().replace(/[:.]/g, '-'));
  await mkdir(kept, { recursive: true, mode: 0o700 });
  for (const name of files) await rename(path.join(dataDir, name), path.join(kept, name));
  return kept;
}

/** A webhook signing secret for the demo's emulator → Bollard link, in WorkOS's format. */
export function demoWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

/** Environment variable holding a demo agent's token: `support-bot` → `SUPPORT_BOT_TOKEN`. */
export function demoTokenVariable(name: string): string {
  return `${name.replace(/[^a-z0-9]+/gi, '_').toUpperCase()}_TOKEN`;
}

/**
 * Writes `demo.env` (0600) in the data directory: `source .bollard/demo.env` in another terminal sets the
 * admin URL and token and each demo agent's token, so the README's commands run as written. Demo only:
 * a real deployment never writes a token in clear.
 */
export async function writeDemoEnv(
  dataDir: string,
  facts: { proxyUrl: string; adminUrl: string; adminToken: string | null; agents: DemoAgentToken[] },
): Promise<string> {
  const file = path.join(dataDir, 'demo.env');
  const quote = (value: string) => `'${value.replace(/'/g, "'\\''")}'`;
  const lines = [
    '# Bollard demo: source this file in another terminal (rewritten at every demo start).',
    `export BOLLARD_URL=${quote(facts.proxyUrl)}`,
    `export BOLLARD_ADMIN_URL=${quote(facts.adminUrl)}`,
    ...(facts.adminToken ? [`export BOLLARD_ADMIN_TOKEN=${quote(facts.adminToken)}`] : []),
    ...facts.agents.map((agent) => `export ${demoTokenVariable(agent.name)}=${quote(agent.token)}`),
  ];
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}
