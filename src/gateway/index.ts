export { CredentialCache, type CredentialSource } from './credential-cache.js';
export { createUpstreamDispatcher, type UpstreamOptions } from './forward.js';
export type { LimitDenial } from './limits.js';
export { type CallObservation, type CallObserver, type CallStage, UNOBSERVED } from './observe.js';
export { type AuditSink, type GatewayDeps, handleProxyRequest, newRequestId } from './pipeline.js';
export { readBody } from './read-body.js';
export { createKeyResolver, type KeyResolver, type KeyResolverOptions } from './resolve-keys.js';
export { REQUEST_ID_HEADER, sendError } from './respond.js';
export { createProxyServer, type LocalRoute } from './server.js';
