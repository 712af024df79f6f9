import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LocalRoute } from '../gateway/index.js';
import type { BollardMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';

/** The probe paths; served before authentication, never audited, never forwarded. */
export const LIVENESS_PATH = '/healthz';
export const READINESS_PATH = '/readyz';
export const METRICS_PATH = '/metrics';

/** `/healthz`: the process is up and its event loop turns. */
export async function answerLiveness(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  sendJson(res, 200, { status: 'ok' });
}

/** `/readyz`: 200 when ready, 503 with the failing checks otherwise. */
export function readinessRoute(readiness: Readiness): LocalRoute {
  return async function answerReadiness(_req, res) {
    const report = await readiness.check();
    sendJson(res, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'unavailable', ...report });
  };
}

/** The probes as proxy-port local routes (GET and HEAD, exact paths). */
export function probeRoutes(readiness: Readiness): Map<string, LocalRoute> {
  const ready = readinessRoute(readiness);
  return new Map<string, LocalRoute>([
    [`GET ${LIVENESS_PATH}`, answerLiveness],
    [`HEAD ${LIVENESS_PATH}`, answerLiveness],
    [`GET ${READINESS_PATH}`, ready],
    [`HEAD ${READINESS_PATH}`, ready],
  ]);
}

/** Renders the registry in Prometheus's text format. */
export async function renderMetrics(metrics: BollardMetrics): Promise<{ contentType: string; body: string }> {
  return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
}

/**
 * `BOLLARD_METRICS_PORT`: `/metrics` and the probes on a port of their own, without authentication, so
 * it is bound to loopback only (a node agent or sidecar scrapes it).
 */
export function createMetricsServer(metrics: BollardMetrics, readiness: Readiness): Server {
  const routes = probeRoutes(readiness);
  return createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const probe = routes.get(`${req.method} ${path}`);
    try {
      if (probe) return await probe(req, res);
      if (req.method !== 'GET' || path !== METRICS_PATH) return sendJson(res, 404, { code: 'not_found' });
      const { contentType, body } = await renderMetrics(metrics);
      res.writeHead(200, { 'content-type': contentType }).end(body);
    } catch {
      if (!res.headersSent) sendJson(res, 500, { code: 'internal_error' });
    }
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}
