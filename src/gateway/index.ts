export { CredentialCache, type CredentialSource } from './credential-cache.js';
export { createUpstreamDispatcher, type UpstreamOptions } from './forward.js';
export type { LimitDenial } from './limits.js';
export { type AuditSink, type GatewayDeps, handleProxyRequest, newRequestId } from './pipeline.js';
export { REQUEST_ID_HEADER } from './respond.js';
export { createProxyServer, type LocalRoute } from './server.js';
