import type { Command } from 'commander';
import { parseDurationSeconds } from '../../agents/duration.js';
import type { AgentView } from '../../agents/index.js';
import type { GrantSpec } from '../../agents/restriction-input.js';
import type { McpToolMode } from '../../store/types.js';

/** An agent as the admin API returns it: grants as the canonical `AREA:ACCESS` list, `mcp: { tools }`. */
export type ApiAgent = Omit<AgentView, 'grants' | 'mcpTools' | 'restrictions'> & {
  /** `users:read`, `users:read@org_…` (pinned), or an object with constraints and redaction. */
  grants: GrantSpec[];
  mcp: { tools: McpToolMode | null };
  /** Organizations every grant is pinned to. */
  organizations?: string[] | null;
};

/** One grant as a line shows it: `users:write (pinned to org_a; constraints on users.create; redacts email)`. */
export function grantText(grant: GrantSpec): string {
  if (typeof grant === 'string') return grant;
  const parts: string[] = [];
  if (grant.organizations) parts.push(`pinned to ${grant.organizations.join(', ')}`);
  const constrained = Object.keys(grant.constraints ?? {});
  if (constrained.length > 0) parts.push(`constraints on ${constrained.join(', ')}`);
  if (grant.redact?.length) parts.push(`redacts ${grant.redact.join(', ')}`);
  if (grant.revealSecrets) parts.push('reveals secrets');
  return parts.length > 0 ? `${grant.permission} (${parts.join('; ')})` : grant.permission;
}

function grantPermission(grant: GrantSpec): string {
  return typeof grant === 'string' ? grant : grant.permission;
}

import { renderTable } from '../table.js';
import {
  action,
  CliError,
  clientFor,
  collect,
  confirm,
  EXIT_USAGE,
  printJson,
  withConnectionOptions,
  withUsageExitCode,
} from './admin-client.js';
import { registerSuggestCommand } from './insights.js';

/** The MCP tool modes (the server checks them too); listed here so the CLI loads no validation code. */
const MCP_TOOL_MODES: readonly McpToolMode[] = ['full', 'compact', 'auto'];

/** Seconds in a duration option, or a usage error that shows the accepted forms. */
function durationSeconds(flag: string, value: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === null) {
    throw new CliError(
      `${flag} '${value}' is not a duration (for example 45s, 10m, 1h, 30d, 2w)`,
      [],
      EXIT_USAGE,
    );
  }
  return seconds;
}

/**
 * `--mcp-tools` as the admin API takes it: `{ tools: MODE }`, or (where `default` is allowed, on update)
 * `{ tools: null }`, back to the server default. Anything else is a usage error.
 */
function mcpToolsOption(value: string, allowDefault: boolean): { tools: McpToolMode | null } {
  if (allowDefault && value === 'default') return { tools: null };
  if ((MCP_TOOL_MODES as readonly string[]).includes(value)) return { tools: value as McpToolMode };
  const accepted = [...MCP_TOOL_MODES, ...(allowDefault ? ['default'] : [])].join(', ');
  throw new CliError(`--mcp-tools '${value}' is not one of ${accepted}`, [], EXIT_USAGE);
}

function grantList(agent: ApiAgent): string {
  const grants = agent.grants.length > 0 ? agent.grants.map(grantText).join(', ') : '(none)';
  return agent.organizations ? `${grants}; every grant pinned to ${agent.organizations.join(', ')}` : grants;
}

/** enabled, disabled, expired or revoked (no active token): what an operator needs at a glance. */
export function agentStatus(agent: ApiAgent, now = Date.now()): string {
  if (!agent.enabled) return 'disabled';
  if (agent.expiresAt && Date.parse(agent.expiresAt) <= now) return 'expired';
  if (!agent.tokens.some((token) => token.active)) return 'revoked';
  return 'active';
}

function printAgent(agent: ApiAgent): void {
  console.log(`${agent.name} (${agent.id})`);
  console.log(`  status:      ${agentStatus(agent)}`);
  console.log(`  description: ${agent.description || '-'}`);
  console.log(`  grants:      ${grantList(agent)}`);
  console.log(`  expires:     ${agent.expiresAt ?? 'never'}`);
  console.log(
    `  weight:      ${agent.weight}${agent.quota ? `  quota: ${JSON.stringify(agent.quota)}` : ''}`,
  );
  console.log(`  mcp tools:   ${agent.mcp?.tools ?? 'default (server setting)'}`);
  const rows = agent.tokens.map((token) => [
    token.id,
    token.hint,
    token.active ? 'active' : token.revokedAt ? 'revoked' : 'expired',
    token.createdAt,
    token.revokedAt ?? token.expiresAt ?? '-',
  ]);
  console.log(`\n${renderTable(['TOKEN', 'HINT', 'STATE', 'CREATED', 'ENDS'], rows)}`);
}

/** Prints a token once, with the warning that it will not be shown again. */
export function printToken(token: string, label: string): void {
  console.log(`\n${label} (shown once; store it now, Bollard keeps only its hash):\n\n  ${token}\n`);
}

function leaf(parent: Command, spec: string, description: string, example: string): Command {
  return withConnectionOptions(parent.command(spec))
    .description(description)
    .addHelpText('after', `\nExample:\n  ${example}\n`);
}

function registerCreate(agents: Command): void {
  leaf(
    agents,
    'create <name>',
    'Create an agent and print its token once',
    'bollard agents create support-bot --grant users:read --grant organizations:read --expires-in 90d\n  bollard agents create acme-bot --grant users:read@org_01ACME --grant organizations:read@org_01ACME\n  bollard agents create admin-bot --grant users:write --mcp-tools compact',
  )
    .option(
      '-g, --grant <permission>',
      'AREA:read or AREA:write (repeatable, or comma-separated); AREA:read@org_… pins it to an organization (repeat for more)',
      collect,
      [],
    )
    .option('-d, --description <text>', 'what the agent is for')
    .option('--expires-in <duration>', 'stop working after this long (30d, 12h)')
    .option(
      '--mcp-tools <mode>',
      'MCP tool list: full (a tool per endpoint), compact (search/describe/call) or auto; default: the server setting',
    )
    .option('--json', 'print {agent, token} as JSON')
    .action(
      action(
        async (
          name: string,
          options: {
            grant: string[];
            description?: string;
            expiresIn?: string;
            mcpTools?: string;
            json?: boolean;
          },
          command: Command,
        ) => {
          if (options.expiresIn) durationSeconds('--expires-in', options.expiresIn);
          const mcp = options.mcpTools === undefined ? undefined : mcpToolsOption(options.mcpTools, false);
          const result = await clientFor(command).request<{ agent: ApiAgent; token: string }>(
            'POST',
            '/agents',
            {
              name,
              grants: options.grant,
              description: options.description,
              expiresIn: options.expiresIn,
              mcp,
            },
          );
          if (options.json) return printJson(result);
          console.log(
            `Created agent ${result.agent.name} (${result.agent.id}) with ${grantList(result.agent)}`,
          );
          printToken(result.token, 'Agent token');
        },
      ),
    );
}

function registerReads(agents: Command): void {
  leaf(
    agents,
    'list',
    'List agents with their grants and status',
    'bollard agents list --json | jq -r ".[].name"',
  )
    .option('--json', 'print JSON')
    .action(
      action(async (options: { json?: boolean }, command: Command) => {
        const { data } = await clientFor(command).request<{ data: ApiAgent[] }>('GET', '/agents');
        if (options.json) return printJson(data);
        const rows = data.map((agent) => [
          agent.name,
          agentStatus(agent),
          grantList(agent),
          agent.expiresAt ?? 'never',
          agent.id,
        ]);
        console.log(
          rows.length > 0
            ? renderTable(['NAME', 'STATUS', 'GRANTS', 'EXPIRES', 'ID'], rows)
            : 'No agents yet. Create one with: bollard agents create NAME --grant AREA:read',
        );
      }),
    );
  leaf(
    agents,
    'show <agent>',
    'Show an agent (by name or id) and its tokens',
    'bollard agents show support-bot',
  )
    .option('--json', 'print JSON')
    .action(
      action(async (agent: string, options: { json?: boolean }, command: Command) => {
        const found = await clientFor(command).request<ApiAgent>(
          'GET',
          `/agents/${encodeURIComponent(agent)}`,
        );
        if (options.json) printJson(found);
        else printAgent(found);
      }),
    );
}

interface UpdateOptions {
  grant?: string[];
  addGrant?: string[];
  removeGrant?: string[];
  description?: string;
  expiresIn?: string;
  expiry?: boolean;
  enable?: boolean;
  disable?: boolean;
  weight?: string;
  mcpTools?: string;
  json?: boolean;
}

/**
 * The grants after `--grant` (replace), `--add-grant` and `--remove-grant`. Removing `AREA` (or
 * `AREA:read`) removes the area; removing `AREA:write` from a write grant leaves `AREA:read`, since write
 * includes read and taking away write is not taking away read.
 */
export function nextGrants(current: ApiAgent, options: UpdateOptions): GrantSpec[] | undefined {
  if (!options.grant && !options.addGrant && !options.removeGrant) return undefined;
  const byArea = new Map<string, GrantSpec[]>();
  // Within one list, grants of one area add up (`users:read@org_a`, `users:read@org_b`); a later list
  // (--add-grant) replaces the area's grant.
  const put = (grants: readonly GrantSpec[]) => {
    const fresh = new Set<string>();
    for (const grant of grants) {
      const area = grantPermission(grant).split(':')[0] ?? '';
      if (!fresh.has(area)) {
        byArea.set(area, []);
        fresh.add(area);
      }
      byArea.get(area)!.push(grant);
    }
  };
  put(options.grant ?? current.grants);
  put(options.addGrant ?? []);
  for (const removed of options.removeGrant ?? []) {
    const [area = removed, access] = removed.split(':');
    const held = byArea.get(area);
    const writes = held?.every((grant) => grantPermission(grant) === `${area}:write`);
    if (access === 'write' && held && writes) {
      byArea.set(
        area,
        held.map((grant) =>
          typeof grant === 'string'
            ? grant.replace(`${area}:write`, `${area}:read`)
            : { ...grant, permission: `${area}:read` },
        ),
      );
    } else byArea.delete(area);
  }
  return [...byArea.values()].flat();
}

function registerUpdate(agents: Command): void {
  leaf(
    agents,
    'update <agent>',
    'Change an agent: grants, description, expiry, enabled, weight, MCP tool list',
    'bollard agents update support-bot --add-grant sso:read --remove-grant users\n  bollard agents update support-bot --mcp-tools full\n  bollard agents update support-bot --mcp-tools default',
  )
    .option(
      '-g, --grant <permission>',
      'replace all grants with these (repeatable); AREA:read@org_… pins one to an organization',
      collect,
    )
    .option('--add-grant <permission>', 'add or change one grant (repeatable)', collect)
    .option(
      '--remove-grant <grant>',
      'remove AREA (or AREA:read); AREA:write downgrades write to read (repeatable)',
      collect,
    )
    .option('-d, --description <text>', 'new description')
    .option('--expires-in <duration>', 'new expiry, from now (30d)')
    .option('--no-expiry', 'remove the expiry')
    .option('--enable', 'enable the agent')
    .option('--disable', 'disable the agent: its calls are refused until enabled')
    .option('--weight <number>', 'share of the WorkOS rate budget (default 1)')
    .option('--mcp-tools <mode>', 'MCP tool list: full, compact or auto; default: back to the server setting')
    .option('--json', 'print JSON')
    .action(
      action(async (agent: string, options: UpdateOptions, command: Command) => {
        if (options.enable && options.disable)
          throw new CliError('--enable and --disable exclude each other', [], EXIT_USAGE);
        const changes = [
          'grant',
          'addGrant',
          'removeGrant',
          'description',
          'expiresIn',
          'enable',
          'disable',
          'weight',
          'mcpTools',
        ];
        if (
          options.expiry !== false &&
          !changes.some((key) => options[key as keyof UpdateOptions] !== undefined)
        )
          throw new CliError(
            'nothing to change',
            [
              'Give at least one of --grant, --add-grant, --remove-grant, --description, --expires-in, --no-expiry, --enable, --disable, --weight, --mcp-tools.',
            ],
            EXIT_USAGE,
          );
        if (options.expiresIn) durationSeconds('--expires-in', options.expiresIn);
        const mcp = options.mcpTools === undefined ? undefined : mcpToolsOption(options.mcpTools, true);
        const client = clientFor(command);
        const path = `/agents/${encodeURIComponent(agent)}`;
        const current = await client.request<ApiAgent>('GET', path);
        const patch = {
          grants: nextGrants(current, options),
          description: options.description,
          expiresIn: options.expiresIn,
          expiresAt: options.expiry === false ? null : undefined,
          enabled: options.enable ? true : options.disable ? false : undefined,
          weight: options.weight === undefined ? undefined : Number(options.weight),
          mcp,
        };
        const updated = await client.request<ApiAgent>('PATCH', path, patch);
        if (options.json) printJson(updated);
        else printAgent(updated);
      }),
    );
}

function registerTokenCommands(agents: Command): void {
  leaf(
    agents,
    'rotate <agent>',
    'Issue a new token; the old one stops at once, or after --grace',
    'bollard agents rotate support-bot --grace 1h',
  )
    .option('--grace <duration>', 'keep the old token working this long (default: stop it now)')
    .option('--json', 'print {agent, token, tokenId} as JSON')
    .action(
      action(async (agent: string, options: { grace?: string; json?: boolean }, command: Command) => {
        const graceSeconds = options.grace ? durationSeconds('--grace', options.grace) : 0;
        const result = await clientFor(command).request<{ agent: ApiAgent; token: string }>(
          'POST',
          `/agents/${encodeURIComponent(agent)}/rotate`,
          { graceSeconds },
        );
        if (options.json) return printJson(result);
        const old =
          graceSeconds > 0
            ? `old token works until ${new Date(Date.now() + graceSeconds * 1000).toISOString()}`
            : 'old token refused from now on';
        console.log(`Rotated the token of ${result.agent.name}; ${old}.`);
        printToken(result.token, 'New agent token');
      }),
    );
  leaf(
    agents,
    'revoke <agent>',
    'Revoke every token of an agent; its next call is refused',
    'bollard agents revoke support-bot',
  )
    .option('--json', 'print JSON')
    .action(
      action(async (agent: string, options: { json?: boolean }, command: Command) => {
        const result = await clientFor(command).request<ApiAgent>(
          'POST',
          `/agents/${encodeURIComponent(agent)}/revoke`,
        );
        if (options.json) return printJson(result);
        console.log(
          `Revoked every token of ${result.name}. Issue a new one with: bollard agents rotate ${result.name}`,
        );
      }),
    );
  leaf(
    agents,
    'delete <agent>',
    'Delete an agent and its tokens (its audit records stay)',
    'bollard agents delete old-bot',
  )
    .option('-y, --yes', 'do not ask for confirmation on a terminal')
    .option('--json', 'print JSON')
    .action(
      action(async (agent: string, options: { json?: boolean; yes?: boolean }, command: Command) => {
        await confirm(`Delete agent ${agent} and all its tokens?`, options.yes);
        await clientFor(command).request('DELETE', `/agents/${encodeURIComponent(agent)}`);
        if (options.json) printJson({ deleted: agent });
        else console.log(`Deleted agent ${agent}.`);
      }),
    );
}

/** `bollard agents …`: create, list, show, update, rotate, revoke, delete. */
export function registerAgentsCommand(program: Command): void {
  const agents = withUsageExitCode(program.command('agents'))
    .description('Create agents, grant them areas, rotate and revoke their tokens')
    .addHelpText(
      'after',
      `
Permissions are AREA:read or AREA:write (write includes read); list the areas with: bollard catalog areas

Examples:
  bollard agents create support-bot --grant users:read --grant organizations:read
  bollard agents list
  bollard agents rotate support-bot --grace 1h
  bollard agents revoke support-bot
  bollard agents suggest support-bot   # minimal grants for what it actually called

The CLI talks to a running Bollard at BOLLARD_ADMIN_URL (default http://127.0.0.1:7601)
with the admin token in BOLLARD_ADMIN_TOKEN.
`,
    );
  registerCreate(agents);
  registerReads(agents);
  registerUpdate(agents);
  registerTokenCommands(agents);
  registerSuggestCommand(agents);
}
