import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type GatewayDeps, handleProxyRequest } from './pipeline.js';

/** A handler for a path Bollard serves itself on the proxy port (the WorkOS webhook receiver). */
export type LocalRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Builds the proxy server without listening, so tests and the start command decide where it binds.
 * `localRoutes` maps "METHOD /path" to handlers that are Bollard's own (not forwarded to WorkOS).
 */
export function createProxyServer(
  deps: GatewayDeps,
  localRoutes: ReadonlyMap<string, LocalRoute> = new Map(),
): Server {
  const server = createServer(
    { requestTimeout: 120_000, headersTimeout: 20_000, keepAliveTimeout: 5_000 },
    (req, res) => {
      const local =
        localRoutes.size > 0 ? localRoutes.get(`${req.method} ${(req.url ?? '').split('?')[0]}`) : undefined;
      // Bollard's own routes authenticate in their own way (a webhook signature): a connection past the
      // per-source cap gets this one call, then is closed.
      if (local) deps.anonymous?.admitLocalCall(req, res);
      const handling = local ? local(req, res) : handleProxyRequest(deps, req, res);
      handling.catch((error: unknown) => {
        deps.logger.error({ err: error }, 'unhandled proxy error');
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    },
  );
  const anonymous = deps.anonymous;
  if (anonymous) server.on('connection', (socket) => anonymous.admitConnection(socket));
  return server;
}
