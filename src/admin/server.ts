import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AgentService } from '../agents/index.js';
import { BollardError } from '../errors/index.js';
import type { Store } from '../store/types.js';
import type { WebhookService } from '../webhooks/index.js';
import { adminTokenMatches } from './admin-token.js';
import { installErrorHandling } from './errors.js';
import { buildOpenApi } from './openapi.js';
import { createRouter } from './route.js';
import { registerAgentRoutes } from './routes/agents.js';
import { registerAuditRoutes } from './routes/audit.js';
import { type CatalogSource, registerCatalogRoutes } from './routes/catalog.js';
import { registerPolicyRoutes } from './routes/policy.js';
import { registerWebhookRoutes } from './routes/webhooks.js';

export const API_PREFIX = '/api/v1';

export interface AdminServerOptions {
  store: Store;
  agents: AgentService;
  /** SHA-256 hex of the admin token (see `ensureAdminToken`). */
  adminTokenHash: string;
  /** The catalog (default: the built-in one). */
  catalog?: CatalogSource;
  /** Webhook subscriptions, deliveries, replay and backfill (routes absent without it). */
  webhooks?: WebhookService;
  /** A pino logger; default: no logging. */
  logger?: FastifyBaseLogger;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** Refuses every API request without the admin token. An agent token is never accepted here. */
function installAdminAuth(app: FastifyInstance, adminTokenHash: string): void {
  app.addHook('onRequest', async function requireAdminToken(request) {
    if (!request.url.startsWith(API_PREFIX)) return;
    const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!presented || !adminTokenMatches(presented, adminTokenHash)) {
      const hint = presented?.startsWith('bol_')
        ? ' (that is an agent token; the admin API takes the admin token)'
        : '';
      throw new BollardError('admin_unauthorized', `Missing or invalid admin token${hint}.`);
    }
  });
}

/**
 * The admin API as a Fastify instance, not yet listening: the caller (or a test) decides the port.
 * @example
 *   const app = await buildAdminServer({ store, agents, adminTokenHash });
 *   await app.listen({ port: 7601, host: '127.0.0.1' });
 */
export async function buildAdminServer(options: AdminServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: 4 * 1024 * 1024, // 4 MiB: a large policy file, never an audit upload
    // Unique across restarts and replicas: the id lands in admin audit records.
    genReqId: () => randomUUID(),
  });
  const closing = new AbortController();
  // preClose runs before the server stops accepting, so open event streams end and close() can finish.
  app.addHook('preClose', async () => closing.abort());
  installErrorHandling(app);
  installAdminAuth(app, options.adminTokenHash);
  acceptEmptyJsonBodies(app);

  const router = createRouter(app, API_PREFIX);
  registerAgentRoutes(router, options.agents);
  registerAuditRoutes(router, options.store, closing.signal);
  registerCatalogRoutes(router, options.catalog);
  registerPolicyRoutes(router, options.agents);
  if (options.webhooks) registerWebhookRoutes(router, options.webhooks);

  const openapi = buildOpenApi(API_PREFIX, router.routes);
  app.get('/openapi.json', async () => openapi);
  app.get('/health', async () => ({ ok: true }));
  return app;
}

/**
 * `POST /agents/x/revoke` and `/audit/verify` take no body, but many clients (curl with a default header,
 * SDK wrappers) still send `Content-Type: application/json`; Fastify's own parser refuses that empty body.
 */
function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') return done(null, undefined);
    parseJson(request, text, done);
  });
}
