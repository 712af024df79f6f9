export { authenticate, bearerToken } from './authenticate.js';
export { CredentialCache, type CredentialSource } from './credential-cache.js';
export { createUpstreamDispatcher, type UpstreamOptions } from './forward.js';
export { callInProcess, type InProcessRequest, type InProcessResponse } from './in-process.js';
export type { LimitDenial } from './limits.js';
export { type AuditSink, type GatewayDeps, handleProxyRequest, newRequestId } from './pipeline.js';
export { readBody } from './read-body.js';
export { REQUEST_ID_HEADER, sendError } from './respond.js';
export { createProxyServer, type LocalRoute } from './server.js';
