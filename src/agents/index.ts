/** Agents and their tokens: the domain operations behind the admin API and policy apply. */
export type { Actor, AdminAction } from './actor.js';
export {
  AGENT_NAME_PATTERN,
  type AgentFields,
  type AgentInput,
  type AgentPatch,
  type FieldProblem,
  MCP_TOOL_MODES,
  type Quota,
} from './agent-input.js';
export {
  type AgentService,
  type AgentServiceOptions,
  type AgentView,
  type AppliedPolicy,
  createAgentService,
  type TokenView,
} from './agent-service.js';
export { parseDurationSeconds, parseSince } from './duration.js';
export {
  checkGrants,
  diffGrants,
  type GrantProblem,
  grantProblem,
  grantsFromList,
  grantsToList,
} from './grants.js';
export type { AgentPlan, DesiredPolicy, PolicyPlan } from './policy-plan.js';
export { type AgentReplay, type ReplayCount, type ReplayReport, replayPolicy } from './replay.js';
export { permissionRisk, type RiskWarning, riskWarnings } from './risk.js';
export { ShadowPolicy, type ShadowVerdict } from './shadow.js';
export { type GrantSuggestion, suggestGrants, type UsedEndpoint } from './suggest.js';
