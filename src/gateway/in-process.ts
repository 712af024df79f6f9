import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable, Writable } from 'node:stream';
import type { AuditDraft } from '../store/types.js';
import { type AuditSink, type GatewayDeps, handleProxyRequest } from './pipeline.js';

/** A request handed to the pipeline without a socket (an MCP tool call). */
export interface InProcessRequest {
  method: string;
  /** Path and query, percent-encoded, exactly as a client would send them. */
  target: string;
  /** Lower-case names; the agent's `authorization` among them. */
  headers: IncomingHttpHeaders;
  body?: Buffer;
  /** The address of the client behind the call, for the audit record. */
  remoteAddress?: string;
  /** Merged into the details of every audit record the call produces (`{ via: 'mcp', tool }`). */
  auditDetails?: Record<string, unknown>;
}

/** What the pipeline answered. */
export interface InProcessResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Buffer;
}

/**
 * Runs one request through the very pipeline the proxy port uses — authenticate, normalize, match,
 * authorize, rate-limit, record ahead, forward, record the outcome — and captures the answer instead of
 * writing it to a socket. Nothing is decided here: a denial comes back as the same 401/403/429 an HTTP
 * client would get, and is recorded the same way.
 */
export async function callInProcess(
  deps: GatewayDeps,
  request: InProcessRequest,
): Promise<InProcessResponse> {
  const body = request.body ?? Buffer.alloc(0);
  const stream = new Readable({ read() {} });
  if (body.length > 0) stream.push(body);
  stream.push(null);
  const req = Object.assign(stream, {
    method: request.method,
    url: request.target,
    headers: { ...request.headers, 'content-length': String(body.length) },
    socket: { remoteAddress: request.remoteAddress },
  }) as unknown as IncomingMessage;
  const res = new CapturedResponse();
  const pipelineDeps = request.auditDetails ? withAuditDetails(deps, request.auditDetails) : deps;
  const answered = res.answered();
  await handleProxyRequest(pipelineDeps, req, res as unknown as ServerResponse);
  return answered;
}

function withAuditDetails(deps: GatewayDeps, extra: Record<string, unknown>): GatewayDeps {
  const audit: AuditSink = {
    append: (draft: AuditDraft, options) =>
      deps.audit.append({ ...draft, details: { ...(draft.details as object), ...extra } }, options),
  };
  // An agent's denials over MCP are aggregated apart from its HTTP ones, their aggregate carrying the same details.
  const denials = deps.agentDenials;
  const agentDenials: GatewayDeps['agentDenials'] = denials && {
    take: (facts, reason, rule, status) => denials.take(facts, reason, rule, status, extra),
  };
  return { ...deps, audit, agentDenials };
}

/** The subset of ServerResponse the pipeline writes to, kept in memory. */
class CapturedResponse extends Writable {
  statusCode = 0;
  headersSent = false;
  private headers: InProcessResponse['headers'] = {};
  private readonly chunks: Buffer[] = [];

  writeHead(status: number, headers: InProcessResponse['headers'] = {}): this {
    this.statusCode = status;
    this.headers = headers;
    this.headersSent = true;
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    done();
  }

  /** Resolves when the answer is complete; rejects when it broke off (the pipeline destroyed it). */
  answered(): Promise<InProcessResponse> {
    return new Promise((resolve, reject) => {
      this.once('finish', () =>
        resolve({ status: this.statusCode, headers: this.headers, body: Buffer.concat(this.chunks) }),
      );
      this.once('close', () => {
        if (!this.writableFinished) reject(new Error('the answer broke off before it was complete'));
      });
    });
  }
}
