/**
 * The MCP server: WorkOS endpoints from the catalog as tools, filtered by the agent's grants, each call
 * run through the gateway pipeline. Front door only: it decides nothing the pipeline does not.
 */
export { createMcpRoutes, MCP_PATH, type McpRouteOptions } from './http.js';
export { createMcpServer, INSTRUCTIONS, type McpContext } from './server.js';
export { ENDPOINT_TOOLS, type EndpointTool, TOOL_NAME, type ToolDefinition, toolName } from './tools.js';
export { COMPACT_THRESHOLD, TOOL_MODES, type ToolMode, toolsFor } from './toolset.js';
