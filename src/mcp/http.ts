import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { BollardError } from '../errors/index.js';
import {
  agentStateError,
  authenticate,
  type CallFacts,
  deny,
  type GatewayDeps,
  type LocalRoute,
  newRequestId,
  readBody,
  sendError,
} from '../gateway/index.js';
import { agentState } from '../policy/index.js';
import type { LimiterStatus } from '../ratelimit/index.js';
import { answerDirectly } from './fast-path.js';
import { createMcpServer, type McpContext } from './server.js';
import type { ToolMode } from './toolset.js';

/** The one path MCP is served on, matched exactly (never a prefix or another spelling of it). */
export const MCP_PATH = '/mcp';

/** Names a local MCP client reaches Bollard by; a browser page on another name is a DNS-rebinding attempt. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', '::1'];

export interface McpRouteOptions {
  gateway: GatewayDeps;
  /** The server's tool mode (`BOLLARD_MCP_TOOLS`), for agents without their own `mcp.tools`. */
  mode: ToolMode;
  /** Public host names Bollard is reached by besides the loopback ones (`bollard.internal`). */
  allowedHosts: readonly string[];
  limiterStatus?: () => LimiterStatus;
}

/**
 * `POST /mcp`: MCP's Streamable HTTP transport, stateless (no session: each request is authenticated
 * from its own bearer and gets a server built for it) and answering in JSON. GET and DELETE, which only
 * a session would use, get 405.
 */
export function createMcpRoutes(options: McpRouteOptions): Map<string, LocalRoute> {
  const allowed = new Set([...LOOPBACK_HOSTS, ...options.allowedHosts.map((host) => host.toLowerCase())]);
  const handle: LocalRoute = (req, res) => serveMcp(options, allowed, req, res);
  return new Map([
    [`POST ${MCP_PATH}`, handle],
    [`GET ${MCP_PATH}`, handle],
    [`DELETE ${MCP_PATH}`, handle],
  ]);
}

async function serveMcp(
  options: McpRouteOptions,
  allowedHosts: ReadonlySet<string>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = newRequestId();
  const { gateway } = options;
  const startedAt = gateway.now();
  // A refusal at the door is a denied call like any other: answered and recorded by the pipeline's own deny.
  const refuse = (error: BollardError, reason: string, rule: string, agent: CallFacts['agent'] = null) =>
    deny(gateway, refusedCall(req, requestId, startedAt, agent), res, error, reason, rule);
  const refusal = rebindingRefusal(req, allowedHosts);
  if (refusal) return refuse(refusal, String(refusal.fields.reason ?? 'host_not_allowed'), 'mcp:host');
  // A source out of failures is refused before any store work, as on the proxy's other paths.
  const flood = gateway.anonymous?.refusal(req, res);
  if (flood) return refuse(flood, String(flood.fields.reason), `guard:${String(flood.fields.reason)}`);

  const auth = await authenticate(req.headers, gateway.credentials, gateway.now());
  if (!auth.ok) {
    res.setHeader('www-authenticate', 'Bearer realm="bollard"');
    return refuse(auth.error, auth.failure, `auth:${auth.failure}`, auth.agent ?? null);
  }
  // A disabled or expired agent is refused at the door, by the policy's own rule, as each call would be.
  const state = agentState(auth.credential.agent, gateway.now());
  if (state) {
    res.setHeader('www-authenticate', 'Bearer realm="bollard"');
    const { agent } = auth.credential;
    return refuse(agentStateError(agent.name, state.reason), state.reason, state.rule, agent);
  }
  gateway.anonymous?.trust(req.socket);
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
    return void res.end(
      jsonRpcError(-32000, 'Bollard serves MCP statelessly: POST only, no session stream.'),
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse((await readBody(req, gateway.bodyLimitBytes)).toString('utf8'));
  } catch (error) {
    if (error instanceof BollardError) return void sendError(res, requestId, error);
    res.writeHead(400, { 'content-type': 'application/json' });
    return void res.end(jsonRpcError(-32700, 'Parse error: the body is not JSON.'));
  }

  const context: McpContext = {
    gateway,
    authorization: req.headers.authorization ?? '',
    remoteAddress: req.socket.remoteAddress,
    userAgent: req.headers['user-agent'],
    agent: auth.credential.agent,
    token: auth.credential.token,
    // The agent's own setting, read with its credential on this request; null follows the server default.
    mode: auth.credential.agent.mcpTools ?? options.mode,
    limiterStatus: options.limiterStatus,
  };
  if (await answerDirectly(req, res, parsed, context)) return;
  const server = createMcpServer(context);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.once('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, parsed);
}

/**
 * MCP's HTTP transport requires Host/Origin validation: a page on evil.example whose name resolves to
 * 127.0.0.1 must not reach a local server. The Host (and the Origin, when a browser sends one) must be a
 * loopback name or a configured public host.
 */
function rebindingRefusal(req: IncomingMessage, allowed: ReadonlySet<string>): BollardError | null {
  const host = hostnameOf(req.headers.host);
  if (host === null || !allowed.has(host))
    return new BollardError(
      'invalid_request',
      `Host ${req.headers.host ?? '(none)'} is not one Bollard serves MCP on; add it to BOLLARD_MCP_ALLOWED_HOSTS.`,
      { reason: 'host_not_allowed' },
      403,
    );
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).hostname.toLowerCase();
  } catch {
    originHost = null;
  }
  if (originHost !== null && allowed.has(originHost)) return null;
  return new BollardError(
    'invalid_request',
    `Origin ${origin} may not use Bollard's MCP endpoint.`,
    { reason: 'origin_not_allowed' },
    403,
  );
}

/** `bollard.internal:7600` → `bollard.internal`; `[::1]:7600` → `[::1]`. */
function hostnameOf(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end < 0 ? null : value.slice(0, end + 1);
  }
  const colon = value.indexOf(':');
  return colon < 0 ? value : value.slice(0, colon);
}

function jsonRpcError(code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** The facts of a request refused at `/mcp` itself: no endpoint, the path, `via: "mcp"`. */
function refusedCall(
  req: IncomingMessage,
  requestId: string,
  startedAt: number,
  agent: CallFacts['agent'],
): CallFacts {
  return {
    requestId,
    startedAt,
    req,
    method: req.method ?? null,
    path: MCP_PATH,
    agent,
    endpoint: null,
    params: {},
    query: null,
    body: undefined,
    decision: null,
    details: { via: 'mcp' },
  };
}
