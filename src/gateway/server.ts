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
  /** Told of every call and the promise of its handling (a graceful drain waits for them). */
  inFlight?: { track(res: ServerResponse, handling: Promise<unknown>): void },
): Server {
  // Keyed by exact path, then method: a call to WorkOS (nearly every request) costs one lookup, no string built.
  const byPath = new Map<string, Map<string, LocalRoute>>();
  for (const [key, route] of localRoutes) {
    const space = key.indexOf(' ');
    const path = key.slice(space + 1);
    const methods = byPath.get(path) ?? new Map<string, LocalRoute>();
    methods.set(key.slice(0, space), route);
    byPath.set(path, methods);
  }
  const server = createServer(
    { requestTimeout: 120_000, headersTimeout: 20_000, keepAliveTimeout: 5_000 },
    (req, res) => {
      const url = req.url ?? '';
      const query = url.indexOf('?');
      const local = byPath.get(query < 0 ? url : url.slice(0, query))?.get(req.method ?? '');
      // Bollard's own routes authenticate in their own way (a webhook signature): a connection past the
      // per-source cap gets this one call, then is closed.
      if (local) deps.anonymous?.admitLocalCall(req, res);
      const handling = local ? local(req, res) : handleProxyRequest(deps, req, res);
      const handled = handling.catch((error: unknown) => {
        deps.logger.error({ err: error }, 'unhandled proxy error');
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
      inFlight?.track(res, handled);
    },
  );
  const anonymous = deps.anonymous;
  if (anonymous) server.on('connection', (socket) => anonymous.admitConnection(socket));
  return server;
}
