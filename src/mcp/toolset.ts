import { MCP_TOOL_MODES } from '../agents/agent-input.js';
import type { Grants } from '../policy/index.js';
import { grantsAllow } from '../policy/index.js';
import type { McpToolMode } from '../store/types.js';
import { META_TOOLS, WHOAMI_TOOL } from './meta-tools.js';
import { ENDPOINT_TOOLS, type EndpointTool, type ToolDefinition } from './tools.js';

/** `full`: one tool per allowed endpoint; `compact`: search, describe and call; `auto`: compact past 40. */
export type ToolMode = McpToolMode;
export const TOOL_MODES: readonly ToolMode[] = MCP_TOOL_MODES;

/** Past this many endpoint tools a full list crowds a model's context; `auto` switches to the compact set. */
export const COMPACT_THRESHOLD = 40;
const MAX_CACHED_GRANT_SETS = 1_000;

/** The one predicate for both listing and calling hints: may these grants call this endpoint? */
export function mayCall(grants: Grants, entry: EndpointTool): boolean {
  return grantsAllow(grants, entry.endpoint.permission);
}

/** The endpoint tools these grants allow, in catalog order. */
export function allowedEndpointTools(grants: Grants): EndpointTool[] {
  return ENDPOINT_TOOLS.filter((entry) => mayCall(grants, entry));
}

/** The mode in force for an agent with `allowed` endpoint tools. */
export function resolveMode(mode: ToolMode, allowed: number): 'full' | 'compact' {
  if (mode !== 'auto') return mode;
  return allowed > COMPACT_THRESHOLD ? 'compact' : 'full';
}

/** A grant set's tool list, and the same list serialized once for the `tools/list` fast path. */
export interface ToolList {
  mode: 'full' | 'compact';
  tools: ToolDefinition[];
  /** `JSON.stringify(tools)`, made on first use. */
  json(): string;
}

const cache = new Map<string, ToolList>();

/**
 * The tool list for an agent's grants in a mode, cached per mode and grant set: building it filters the
 * whole catalog, answering from the cache is a map lookup. The mode is part of the key, so two agents with
 * the same grants but their own `mcp.tools` never share a list; a grant or mode change yields another key,
 * so it shows at once.
 */
export function toolsFor(grants: Grants, mode: ToolMode): ToolList {
  const key = `${mode}|${Object.keys(grants)
    .sort()
    .map((area) => `${area}:${grants[area]}`)
    .join(',')}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const allowed = allowedEndpointTools(grants);
  const resolved = resolveMode(mode, allowed.length);
  const tools =
    resolved === 'compact' ? [...META_TOOLS] : [...allowed.map((entry) => entry.tool), WHOAMI_TOOL];
  let serialized: string | undefined;
  const entry: ToolList = { mode: resolved, tools, json: () => (serialized ??= JSON.stringify(tools)) };
  if (cache.size >= MAX_CACHED_GRANT_SETS) cache.clear();
  cache.set(key, entry);
  return entry;
}
