import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { type Command, InvalidArgumentError, Option } from 'commander';

interface McpFlags {
  url: string;
  token?: string;
}

function parseUrl(value: string): string {
  if (!/^https?:\/\/[^\s/]+/.test(value)) throw new InvalidArgumentError('must be an http(s) URL.');
  return value;
}

/**
 * A relay, not a server: every message read on stdin goes to Bollard's `/mcp` with the agent token, and
 * every answer comes back on stdout. Bollard decides everything; nothing here does.
 */
async function relayStdio(flags: McpFlags & { token: string }): Promise<void> {
  // Loaded here, not at the top: every other command would pay for the MCP SDK at start-up.
  const [{ StreamableHTTPClientTransport }, { StdioServerTransport }, { isJSONRPCRequest }] =
    await Promise.all([
      import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
      import('@modelcontextprotocol/sdk/server/stdio.js'),
      import('@modelcontextprotocol/sdk/types.js'),
    ]);
  const endpoint = new URL('/mcp', flags.url);
  const upstream = new StreamableHTTPClientTransport(endpoint, {
    requestInit: { headers: { authorization: `Bearer ${flags.token}` } },
  });
  const local = new StdioServerTransport();
  local.onmessage = (message: JSONRPCMessage) => {
    upstream.send(message).catch((error: unknown) => {
      process.stderr.write(`bollard mcp: ${endpoint.href}: ${(error as Error).message}\n`);
      // A request must get an answer, or the client waits forever: say why it failed.
      if (isJSONRPCRequest(message))
        void local.send({
          jsonrpc: '2.0',
          id: message.id,
          error: { code: -32000, message: `Bollard at ${endpoint.href}: ${(error as Error).message}` },
        });
    });
  };
  upstream.onmessage = (message) => void local.send(message);
  upstream.onerror = (error) => process.stderr.write(`bollard mcp: ${error.message}\n`);
  local.onclose = () => {
    void upstream.close().finally(() => process.exit(0));
  };
  await upstream.start();
  await local.start();
}

/** `bollard mcp`: the MCP endpoint as a local stdio process, for clients that only launch commands. */
export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description(
      "Serve MCP on stdin/stdout by relaying to a running Bollard's /mcp (for stdio-only MCP clients).",
    )
    .addOption(
      new Option('--url <url>', 'the Bollard proxy URL')
        .env('BOLLARD_URL')
        .default('http://127.0.0.1:7600')
        .argParser(parseUrl),
    )
    .addOption(
      new Option('--token <token>', 'the agent token (prefer the environment)').env('BOLLARD_AGENT_TOKEN'),
    )
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .addHelpText(
      'after',
      `
The agent token comes from BOLLARD_AGENT_TOKEN (bol_…); the tools are exactly what its grants allow.

Examples:
  BOLLARD_AGENT_TOKEN=bol_… bollard mcp
  BOLLARD_AGENT_TOKEN=bol_… bollard mcp --url https://bollard.internal:7600

  # Claude Code, as a stdio server
  claude mcp add bollard --env BOLLARD_AGENT_TOKEN=bol_… -- npx bollard mcp

  # Any client's mcp.json
  { "mcpServers": { "bollard": { "command": "npx", "args": ["bollard", "mcp"],
                                 "env": { "BOLLARD_AGENT_TOKEN": "bol_…" } } } }`,
    )
    .action(async (flags: McpFlags, command: Command) => {
      if (!flags.token)
        command.error('error: no agent token: set BOLLARD_AGENT_TOKEN=bol_… (or pass --token)', {
          exitCode: 2,
        });
      await relayStdio({ ...flags, token: flags.token });
    });
}
