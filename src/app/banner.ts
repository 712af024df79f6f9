import type { DemoAgentToken } from './demo.js';

export interface BannerFacts {
  proxyUrl: string;
  adminUrl: string;
  upstream: string;
  demo: boolean;
  dataLocation: string;
  /** Shown only when it was generated at this start. */
  adminToken: string | null;
  demoAgents: DemoAgentToken[];
}

/** The start-up banner: where things are, and commands that work as printed. */
export function renderBanner(facts: BannerFacts): string {
  const lines = [
    '',
    `  Bollard is running${facts.demo ? ' in demo mode (built-in WorkOS emulator, sample data)' : ''}`,
    '',
    `  Proxy for agents   ${facts.proxyUrl}`,
    `  Admin API          ${facts.adminUrl}`,
    `  Upstream           ${facts.demo ? `${facts.upstream} (emulator)` : facts.upstream}`,
    `  State              ${facts.dataLocation}`,
  ];
  if (facts.adminToken) {
    lines.push('', `  Admin token (shown once)   ${facts.adminToken}`);
  }
  if (facts.demoAgents.length > 0) {
    lines.push('', '  Demo agents (tokens shown once; a restart issues new ones):');
    for (const agent of facts.demoAgents) {
      lines.push(
        `    ${agent.name.padEnd(12)} ${agent.grants.join(', ')}`,
        `    ${''.padEnd(12)} ${agent.token}`,
      );
    }
    const reader = facts.demoAgents[0]!;
    const url = new URL(facts.proxyUrl);
    lines.push(
      '',
      '  Try it:',
      `    curl -s -H "Authorization: Bearer ${reader.token}" ${facts.proxyUrl}/organizations`,
      '',
      '    // Node, with the official SDK (npm install @workos-inc/node)',
      "    import { WorkOS } from '@workos-inc/node';",
      `    const workos = new WorkOS('${reader.token}', { apiHostname: '${url.hostname}', port: ${url.port || 80}, https: false });`,
      '    console.log((await workos.organizations.listOrganizations()).data);',
    );
  }
  if (facts.adminToken) {
    lines.push(
      '',
      '  Operate it from another terminal:',
      `    export BOLLARD_ADMIN_URL=${facts.adminUrl} BOLLARD_ADMIN_TOKEN=${facts.adminToken}`,
      '    npx bollard agents list',
      '    npx bollard logs --follow',
    );
  }
  lines.push('');
  return lines.join('\n');
}
