import path from 'node:path';
import type { DemoAgentToken } from './demo.js';

export interface BannerFacts {
  proxyUrl: string;
  adminUrl: string;
  /** The console (demo mode: a one-time sign-in link). */
  consoleUrl?: string;
  /** `BOLLARD_METRICS_PORT`'s metrics URL, when set. */
  metricsUrl?: string | null;
  upstream: string;
  demo: boolean;
  dataLocation: string;
  /** Shown only when it was generated at this start. */
  adminToken: string | null;
  demoAgents: DemoAgentToken[];
  /** Demo mode: the env file with the admin and agent tokens. */
  demoEnv?: string | null;
  /** Demo mode: where the previous run's state was moved. */
  previousState?: string | null;
  /** One line each, shown right under where things are. */
  warnings?: string[];
  /** Calls from before this start with no outcome record, answered `outcome_unknown` at this start. */
  unknownOutcomes?: number;
}

/** The start-up banner: where things are, and commands that work as printed. */
export function renderBanner(facts: BannerFacts): string {
  const lines = [
    '',
    `  Bollard is running${facts.demo ? ' in demo mode (built-in WorkOS emulator, sample data)' : ''}`,
    '',
    `  Proxy for agents   ${facts.proxyUrl}`,
    `  MCP for agents     ${facts.proxyUrl}/mcp`,
    `  Admin API          ${facts.adminUrl}`,
    ...(facts.consoleUrl
      ? [`  Console            ${facts.consoleUrl}${facts.demo ? '  (one-time sign-in link)' : ''}`]
      : []),
    `  Upstream           ${facts.demo ? `${facts.upstream} (emulator)` : facts.upstream}`,
    `  State              ${facts.dataLocation}`,
    ...(facts.warnings ?? []).map((warning) => `  Warning            ${warning}`),
  ];
  if (facts.unknownOutcomes)
    lines.push(
      `  Unknown outcomes   ${facts.unknownOutcomes} calls forwarded before the last stop have no recorded answer;`,
      `                     each now has an outcome_unknown record (bollard logs shows them as "unknown")`,
    );
  if (facts.metricsUrl) lines.push(`  Metrics            ${facts.metricsUrl}/metrics (loopback, no token)`);
  if (facts.adminToken) {
    lines.push('', `  Admin token (shown once)   ${facts.adminToken}`);
  }
  if (facts.demoAgents.length > 0) {
    if (facts.previousState)
      lines.push(
        '',
        `  Fresh demo state (the emulator starts new too); the previous run is kept in ${facts.previousState}`,
      );
    lines.push('', '  Demo agents (as stored; a restart issues new tokens):');
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
      '',
      '    # An MCP client (Claude Code): the tools are what the token is granted',
      `    claude mcp add --transport http bollard ${facts.proxyUrl}/mcp --header "Authorization: Bearer ${reader.token}"`,
    );
  }
  if (facts.demoEnv) {
    lines.push(
      '',
      '  Operate it from another terminal (sets BOLLARD_ADMIN_URL, BOLLARD_ADMIN_TOKEN and the agent tokens):',
      `    source ${displayPath(facts.demoEnv)}`,
      '    npx bollard agents list',
      '    npx bollard logs --follow',
    );
  } else if (facts.adminToken) {
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

/** A path as a person would type it from here: relative when it is under the working directory. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
