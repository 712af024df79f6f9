import type { IncomingMessage, ServerResponse } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { callTool, type McpContext } from './server.js';
import { toolsFor } from './toolset.js';

/**
 * The two requests an agent makes most — `tools/list` and `tools/call` — answered without building an SDK
 * server and transport for the request. Measured: the SDK path re-validated and re-serialized ~250 tool
 * schemas (~290 KB) on every `tools/list` (~20 ms) and added ~3 ms CPU to every `tools/call`. The tool list
 * comes pre-serialized from the per-grant-set cache; a call runs the very `callTool` the SDK path runs.
 * Only a plain single request with the headers the transport requires takes this path; anything else
 * (initialize, batches, notifications, other methods) goes through the SDK.
 */
export async function answerDirectly(
  req: IncomingMessage,
  res: ServerResponse,
  message: unknown,
  context: McpContext,
): Promise<boolean> {
  if (!isObject(message) || message.jsonrpc !== '2.0') return false;
  const { id, method } = message;
  if (typeof id !== 'string' && typeof id !== 'number') return false;
  if (method !== 'tools/list' && method !== 'tools/call') return false;
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return false;
  const version = req.headers['mcp-protocol-version'];
  if (typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return false;

  let result: string;
  if (method === 'tools/list') {
    result = `{"tools":${toolsFor(context.agent.grants, context.mode).json()}}`;
  } else {
    const params = message.params;
    if (!isObject(params) || typeof params.name !== 'string') return false;
    if (params.arguments !== undefined && !isObject(params.arguments)) return false;
    try {
      result = JSON.stringify(await callTool(context, params.name, params.arguments ?? {}));
    } catch {
      // The pipeline has answered and recorded whatever it could; the model gets a protocol error.
      const error = {
        code: -32603,
        message: 'The call broke off inside Bollard; it may or may not have reached WorkOS.',
      };
      return send(res, `{"error":${JSON.stringify(error)},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`);
    }
  }
  return send(res, `{"result":${result},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`);
}

function send(res: ServerResponse, body: string): true {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
