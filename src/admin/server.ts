import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { AgentService, ShadowPolicy } from '../agents/index.js';
import { type ApprovalService, createApprovalService } from '../approvals/index.js';
import type { AuditCheckpoints } from '../audit/index.js';
import { sealRecord } from '../audit/index.js';
import { BollardError } from '../errors/index.js';
import { createFreezeService, type FreezeService } from '../freezes/index.js';
import {
  type BollardMetrics,
  LIVENESS_PATH,
  METRICS_PATH,
  READINESS_PATH,
  type Readiness,
  renderMetrics,
} from '../observability/index.js';
import { createOperatorService, type OperatorService } from '../operators/index.js';
import type { Store } from '../store/types.js';
import type { WebhookService } from '../webhooks/index.js';
import { installAdminAuth } from './auth.js';
import { registerConsole } from './console/assets.js';
import { type ConsoleSessions, createConsoleSessions } from './console/sessions.js';
import { installErrorHandling } from './errors.js';
import { buildOpenApi } from './openapi.js';
import { type AdminExposure, installRequestGuard } from './request-guard.js';
import { createRouter } from './route.js';
import { registerAgentRoutes } from './routes/agents.js';
import { registerApprovalRoutes } from './routes/approvals.js';
import { registerAuditRoutes } from './routes/audit.js';
import { type CatalogSource, registerCatalogRoutes } from './routes/catalog.js';
import { registerFreezeRoutes } from './routes/freezes.js';
import { registerInsightRoutes, registerShadowRoutes } from './routes/insights.js';
import { registerOperatorRoutes } from './routes/operators.js';
import { registerPolicyRoutes } from './routes/policy.js';
import { registerSessionRoutes } from './routes/session.js';
import { registerWebhookRoutes } from './routes/webhooks.js';

export const API_PREFIX = '/api/v1';

export interface AdminServerOptions extends AdminExposure {
  store: Store;
  agents: AgentService;
  /** SHA-256 hex of the admin token (see `ensureAdminToken`): the first admin. */
  adminTokenHash: string;
  /** Named operators (default: a service over `store`). */
  operators?: OperatorService;
  /** The kill switch (default: a service over `store`). */
  freezes?: FreezeService;
  /** The shadow policy of this replica (routes absent without it). */
  shadow?: ShadowPolicy;
  /** Approval requests (default: a service over `store` with a 15-minute expiry). */
  approvals?: ApprovalService;
  /** The catalog (default: the built-in one). */
  catalog?: CatalogSource;
  /** Webhook subscriptions, deliveries, replay and backfill (routes absent without it). */
  webhooks?: WebhookService;
  /** A pino logger; default: no logging. */
  logger?: FastifyBaseLogger;
  /** `/readyz` (absent: ready whenever the server answers). */
  readiness?: Readiness;
  /** `/metrics`, behind the admin token (absent: no such route). */
  metrics?: BollardMetrics | null;
  /** Signed checkpoints of the audit chain (absent: no checkpoint routes). */
  checkpoints?: AuditCheckpoints;
  /** Console sessions and sign-in codes (default: a fresh in-memory set). */
  sessions?: ConsoleSessions;
  /** The proxy's URL as agents reach it, for the console's snippets (known once the proxy listens). */
  proxyUrl?: () => string | null;
  /** The built console (default: `dist/web/`, where `npm run build` puts it). */
  consoleDir?: string;
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
    clientErrorHandler: answerUnparsable,
    // A target the router cannot even decode (`%zz`) is refused in the admin error shape.
    frameworkErrors: (error, _request, reply) => {
      const refused = new BollardError('invalid_request', `Refused: ${error.message}`);
      (reply as FastifyReply).status(refused.status).send(refused.toBody());
    },
  });
  const closing = new AbortController();
  // preClose runs before the server stops accepting, so open event streams end and close() can finish.
  app.addHook('preClose', async () => closing.abort());
  installErrorHandling(app);
  // Order matters: the request's shape and origin first, then the token, then any route.
  const exposure = installRequestGuard(app, options);
  const sessions = options.sessions ?? createConsoleSessions();
  installAdminAuth(app, {
    adminTokenHash: options.adminTokenHash,
    operators: options.store,
    sessions,
    originConfigured: exposure.corsAllowed,
  });
  acceptEmptyJsonBodies(app);

  const router = createRouter(app, API_PREFIX);
  registerAgentRoutes(router, options.agents);
  registerAuditRoutes(router, options.store, closing.signal, options.checkpoints);
  registerCatalogRoutes(router, options.catalog);
  registerPolicyRoutes(router, options.agents);
  registerInsightRoutes(router, options.agents, options.store);
  if (options.shadow) registerShadowRoutes(router, options.agents, options.shadow);
  registerOperatorRoutes(
    router,
    options.operators ?? createOperatorService(options.store, { seal: sealRecord }),
  );
  registerFreezeRoutes(router, options.freezes ?? createFreezeService(options.store, { seal: sealRecord }));
  registerApprovalRoutes(
    router,
    options.approvals ?? createApprovalService(options.store, { seal: sealRecord, ttlMs: 15 * 60_000 }),
  );
  if (options.webhooks) registerWebhookRoutes(router, options.webhooks);
  registerSessionRoutes(router, sessions, options.adminTokenHash, options.store, options.proxyUrl);
  await registerConsole(app, options.consoleDir);

  const openapi = buildOpenApi(API_PREFIX, router.routes);
  app.get('/openapi.json', async () => openapi); // behind the token, like every route not in PUBLIC_ROUTES
  app.get('/health', async () => ({ ok: true }));
  registerProbes(app, options);
  return app;
}

/** A request Node's parser refused (control or non-ASCII bytes, a bad header): answered in the admin shape. */
function answerUnparsable(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify(
    new BollardError('invalid_request', 'Refused: the request could not be parsed as HTTP/1.1.').toBody(),
  );
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** `/healthz` and `/readyz` without authentication (load balancers); `/metrics` with the admin token. */
function registerProbes(app: FastifyInstance, options: AdminServerOptions): void {
  app.get(LIVENESS_PATH, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );
  app.get(READINESS_PATH, async (_request, reply) => {
    const report = options.readiness
      ? await options.readiness.check()
      : { ready: true, checks: { store: true, upstream: true, policy: true } };
    return reply
      .status(report.ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: report.ready ? 'ready' : 'unavailable', ...report });
  });
  const metrics = options.metrics;
  if (metrics)
    app.get(METRICS_PATH, async (_request, reply) => {
      const { contentType, body } = await renderMetrics(metrics);
      return reply.header('content-type', contentType).send(body);
    });
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
