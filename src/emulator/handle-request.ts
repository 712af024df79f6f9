import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody, readRawBody } from './body.js';
import type { Context, Environment } from './context.js';
import { notFound, unauthorized, WorkOSError } from './errors.js';
import type { FaultInjector } from './faults.js';
import type { IdempotencyStore } from './idempotency.js';
import type { Json } from './json.js';
import { LIMITS } from './rate-limits.js';
import { json, type Reply } from './reply.js';
import { maskHeaders, maskQuery, maskRawQuery, maskSecrets, type RequestLog } from './request-log.js';
import { type Router, splitPath } from './router.js';

/** What the request pipeline needs besides the environment. */
export interface Pipeline {
  env: Environment;
  router: Router;
  /** Answers `/_emulator/*`; never logged, never faulted, never rate-limited. */
  control: (ctx: Context) => Promise<Reply>;
  log: RequestLog;
  faults: FaultInjector;
  idempotency: IdempotencyStore;
  logRequests: boolean;
}

/**
 * One request, in order: request id → body → control? → fault → auth → general limit →
 * idempotency replay → handler → reply → request log.
 */
export async function handleRequest(p: Pipeline, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  res.setHeader('X-Request-ID', p.env.newId('req_'));
  let raw = '';
  let reply: Reply;
  try {
    raw = await readRawBody(req);
    if (url.pathname.startsWith('/_emulator/')) {
      reply = await p.control(buildContext(p.env, method, url, raw, req, {}));
      writeReply(res, reply);
      return;
    }
    const fault = p.faults.take(method, url.pathname);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.drop) {
      recordRequest(p, req, method, url, raw, 0);
      req.socket.destroy();
      return;
    }
    reply = fault?.status
      ? json(fault.status, fault.body ?? { message: 'Injected fault' })
      : await route(p, method, url, raw, req);
  } catch (error) {
    reply = errorReply(error);
  }
  writeReply(res, reply);
  recordRequest(p, req, method, url, raw, reply.status);
  if (p.logRequests) {
    process.stderr.write(`${method} ${url.pathname} ${reply.status} ${Date.now() - started}ms\n`);
  }
}

async function route(
  p: Pipeline,
  method: string,
  url: URL,
  raw: string,
  req: IncomingMessage,
): Promise<Reply> {
  const segments = splitPath(url.pathname);
  const match = segments && p.router.match(method, segments);
  const access = match?.access ?? (segments && p.router.accessOf(segments));
  if (access !== 'none' && access !== 'client' && !hasApiKey(req, p.env.apiKey)) throw unauthorized();
  if (!match) throw notFound();
  p.env.limiter.hit(LIMITS.general, p.env.apiKey);
  if (url.pathname.startsWith('/user_management/')) {
    p.env.limiter.hit(method === 'GET' ? LIMITS.authkitRead : LIMITS.authkitWrite, 'environment');
  }
  const ctx = buildContext(p.env, method, url, raw, req, match.params);
  const key = method === 'POST' ? header(req, 'idempotency-key') : undefined;
  if (key) {
    const stored = p.idempotency.lookup(key, url.pathname, raw);
    if (stored) return stored;
  }
  const reply = await match.handler(ctx);
  if (key) p.idempotency.store(key, url.pathname, raw, reply);
  return reply;
}

function buildContext(
  env: Environment,
  method: string,
  url: URL,
  raw: string,
  req: IncomingMessage,
  params: Record<string, string>,
): Context {
  return {
    env,
    method,
    path: url.pathname,
    params,
    query: url.searchParams,
    body: parseBody(raw, header(req, 'content-type')),
    headers: req.headers,
  };
}

function hasApiKey(req: IncomingMessage, apiKey: string): boolean {
  return header(req, 'authorization') === `Bearer ${apiKey}`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorReply(error: unknown): Reply {
  if (error instanceof WorkOSError) return { ...json(error.status, error.body), headers: error.headers };
  process.stderr.write(`emulator: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
  return json(500, { message: 'Internal Server Error', code: 'internal_server_error' });
}

/** Writes a reply: JSON always with `Content-Type: application/json` (the SDK needs it, §4.2). */
export function writeReply(res: ServerResponse, reply: Reply): void {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.kind === 'empty') {
    res.writeHead(reply.status).end();
    return;
  }
  const type = {
    json: 'application/json; charset=utf-8',
    text: 'text/plain; charset=utf-8',
    csv: 'text/csv; charset=utf-8',
  }[reply.kind];
  const payload = reply.kind === 'json' ? JSON.stringify(reply.body) : String(reply.body ?? '');
  res
    .writeHead(reply.status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(payload) })
    .end(payload);
}

function recordRequest(
  p: Pipeline,
  req: IncomingMessage,
  method: string,
  url: URL,
  raw: string,
  status: number,
) {
  let body: Json = null;
  try {
    body = raw.trim() === '' ? null : maskSecrets(parseBody(raw, header(req, 'content-type')));
  } catch {
    body = '(unparseable body)';
  }
  p.log.add({
    time: new Date(p.env.now()).toISOString(),
    method,
    path: url.pathname,
    query: maskQuery(url.searchParams),
    rawQuery: maskRawQuery(url.search.slice(1)),
    status,
    headers: maskHeaders(req.headers),
    body,
  });
}
