export { AgentDenials, type AgentDenialsOptions } from './agent-denials.js';
export { AnonymousTraffic, type AnonymousTrafficOptions } from './anonymous-traffic.js';
export type { CallFacts } from './audit-entry.js';
export { authenticate, bearerToken } from './authenticate.js';
export { type ControlSource, ControlState } from './control-state.js';
export { CredentialCache, type CredentialSource } from './credential-cache.js';
export { createUpstreamDispatcher, type UpstreamOptions } from './forward.js';
export { callInProcess, type InProcessRequest, type InProcessResponse } from './in-process.js';
export type { LimitDenial } from './limits.js';
export { type CallObservation, type CallObserver, type CallStage, UNOBSERVED } from './observe.js';
export {
  createOwnerResolver,
  type OwnerAnswer,
  type OwnerResolver,
  type OwnerResolverOptions,
} from './owner-resolver.js';
export { type AuditSink, deny, type GatewayDeps, handleProxyRequest, newRequestId } from './pipeline.js';
export { readBody } from './read-body.js';
export { agentStateError } from './recheck.js';
export { createKeyResolver, type KeyResolver, type KeyResolverOptions } from './resolve-keys.js';
export { REQUEST_ID_HEADER, sendError } from './respond.js';
export { createProxyServer, type LocalRoute } from './server.js';
