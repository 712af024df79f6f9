import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERRORS } from '../errors/index.js';
import { callInProcess, type GatewayDeps, type InProcessResponse } from '../gateway/index.js';
import { pathParams } from './path-params.js';
import type { EndpointTool } from './tools.js';

/** Who is calling, as the MCP request said it: the pipeline authenticates the bearer again. */
export interface CallerContext {
  gateway: GatewayDeps;
  /** The agent's own `Authorization` header, passed on unchanged. */
  authorization: string;
  remoteAddress?: string;
  userAgent?: string;
}

/** The request a tool call amounts to, or why the arguments cannot make one. */
export type ToolRequest = { method: string; target: string; body?: Buffer } | { problem: string };

/** Longest text rendering of a result; the whole of it is in `structuredContent`. */
const MAX_TEXT = 6_000;

/**
 * Arguments → method, path and query, body. Path values are percent-encoded, so `../x` or `a/b` stay one
 * segment and the normalizer refuses them like any client's; everything but path parameters and `body`
 * goes to the query string.
 */
export function toolRequest(entry: EndpointTool, args: Record<string, unknown>): ToolRequest {
  const { endpoint } = entry;
  const names = pathParams(endpoint.path);
  let path = endpoint.path;
  for (const name of names) {
    const value = args[name];
    if ((typeof value !== 'string' && typeof value !== 'number') || value === '')
      return { problem: `Missing the path parameter ${name} (${endpoint.path}).` };
    path = path.replace(`{${name}}`, encodeURIComponent(String(value)));
  }
  const query = new URLSearchParams();
  const csv = new Set(entry.input.csvQuery ?? []);
  for (const [name, value] of Object.entries(args)) {
    if (name === 'body' || names.includes(name) || value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (csv.has(name)) query.append(name, value.map(String).join(','));
      else for (const item of value) query.append(name, String(item));
    } else query.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const search = query.toString();
  const target = search ? `${path}?${search}` : path;
  if (args.body === undefined || args.body === null) return { method: endpoint.method, target };
  return { method: endpoint.method, target, body: Buffer.from(JSON.stringify(args.body), 'utf8') };
}

/** Runs an endpoint tool through the gateway pipeline and turns the answer into a tool result. */
export async function callEndpointTool(
  context: CallerContext,
  entry: EndpointTool,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const request = toolRequest(entry, args);
  if ('problem' in request) return errorResult(request.problem, { code: 'invalid_arguments' });
  const headers: Record<string, string> = { authorization: context.authorization };
  if (context.userAgent) headers['user-agent'] = context.userAgent;
  if (request.body) headers['content-type'] = 'application/json';
  const response = await callInProcess(context.gateway, {
    method: request.method,
    target: request.target,
    headers,
    body: request.body,
    remoteAddress: context.remoteAddress,
    auditDetails: { via: 'mcp', tool: entry.tool.name },
  });
  return renderResponse(entry, response);
}

const BOLLARD_CODES = new Set<string>(Object.keys(ERRORS));

/** WorkOS JSON as `structuredContent` and a short text; errors as `isError` results that say who refused. */
export function renderResponse(entry: EndpointTool, response: InProcessResponse): CallToolResult {
  const json = parseJson(response.body);
  if (response.status >= 400) {
    const body = isObject(json) ? json : { message: response.body.toString('utf8').slice(0, 500) };
    const code = typeof body.code === 'string' ? body.code : (body.error ?? 'error');
    const fromBollard = typeof body.code === 'string' && BOLLARD_CODES.has(body.code);
    const lines = [
      `${fromBollard ? 'Bollard refused the call' : 'WorkOS answered'} ${response.status} ${String(code)}: ${String(body.message ?? body.error_description ?? '')}`,
    ];
    if (fromBollard && body.code === 'permission_denied')
      lines.push(
        `An operator grants it with: bollard agents update ${String(body.agent)} --add-grant ${String(body.required_permission)}`,
      );
    if (fromBollard && body.code === 'approval_required')
      lines.push(
        `This call waits for an operator's approval (${String(body.approval_id)}). Tell the user an operator must approve it: ${String(body.approve_with)}${body.approval_url ? ` or ${String(body.approval_url)}` : ''}. Once approved, call this tool again with exactly the same arguments: it then runs once. Do not change the arguments, or it needs a new approval.`,
      );
    if (fromBollard && body.code === 'approval_denied')
      lines.push(
        'An operator denied this exact call. Do not call it again with the same arguments; tell the user why.',
      );
    if (Array.isArray(body.errors)) lines.push(`errors: ${JSON.stringify(body.errors)}`);
    const retryAfter = response.headers['retry-after'];
    if (retryAfter !== undefined) lines.push(`Retry after ${String(retryAfter)} s.`);
    return {
      isError: true,
      content: [{ type: 'text', text: lines.join('\n') }],
      structuredContent: { status: response.status, ...body },
    };
  }
  if (!isObject(json)) {
    const text = response.body.length > 0 ? response.body.toString('utf8') : `Done (${response.status}).`;
    return { content: [{ type: 'text', text: clip(text) }] };
  }
  return { content: [{ type: 'text', text: renderText(entry, json) }], structuredContent: json };
}

function renderText(entry: EndpointTool, json: Record<string, unknown>): string {
  const head: string[] = [];
  if (Array.isArray(json.data)) {
    head.push(`${json.data.length} result(s) from ${entry.tool.name}.`);
    const meta = isObject(json.list_metadata) ? json.list_metadata : null;
    if (meta?.after) head.push(`More: call again with after="${String(meta.after)}".`);
    else if (meta) head.push('No more pages after these.');
  }
  return clip([...head, JSON.stringify(json)].join('\n'));
}

/** An `isError` result for a problem found before anything was sent. */
export function errorResult(message: string, fields: Record<string, unknown> = {}): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: message }],
    structuredContent: { message, ...fields },
  };
}

function clip(text: string): string {
  return text.length > MAX_TEXT
    ? `${text.slice(0, MAX_TEXT)}… (cut; the whole result is in structuredContent)`
    : text;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
