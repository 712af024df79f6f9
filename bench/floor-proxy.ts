/**
 * The floor: the least a correct Node.js proxy can do — `node:http` in, an undici Agent out (Bollard's
 * own dispatcher, so the same keep-alive pool and timeouts), hop-by-hop headers dropped, the body
 * streamed both ways. Whatever Bollard costs above this is the price of its checks and its audit.
 * Run as a child of bench/run.ts: `--upstream <url>`.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { HOP_BY_HOP_HEADERS } from '../src/gateway/hop-by-hop.js';
import { createUpstreamDispatcher } from '../src/gateway/index.js';
import { flagValue } from './lib/args.js';
import { serveStats } from './lib/child-stats.js';

const upstream = flagValue(process.argv.slice(2), '--upstream');
if (!upstream) throw new Error('floor-proxy needs --upstream <url>');

const dispatcher = createUpstreamDispatcher({
  url: upstream,
  apiKey: '',
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
});

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && name !== 'host' && !HOP_BY_HOP_HEADERS.has(name)) out[name] = value;
  }
  return out;
}

const server = createServer(
  { requestTimeout: 120_000, headersTimeout: 20_000, keepAliveTimeout: 5_000 },
  (req, res) => {
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
    dispatcher
      .request({
        origin: upstream,
        path: req.url ?? '/',
        method: req.method as Dispatcher.HttpMethod,
        headers: forwardable(req.headers),
        body: hasBody ? req : undefined,
      })
      .then((response) => {
        res.writeHead(response.statusCode, forwardable(response.headers));
        response.body.pipe(res);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
  },
);

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveStats({ url: `http://127.0.0.1:${port}` }, async () => ({}));
});
