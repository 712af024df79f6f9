import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BollardError } from '../errors/index.js';
import { type LocalRoute, newRequestId, REQUEST_ID_HEADER, readBody, sendError } from '../gateway/index.js';
import type { AuditDraft, Store } from '../store/types.js';
import type { WebhookEventRecord } from '../store/webhook-types.js';
import { webhookAuditDraft } from './audit-draft.js';
import { SIGNATURE_HEADER, verifySignature } from './signature.js';

/** The path WorkOS is pointed at, on the proxy port. */
export const INBOUND_PATH = '/webhooks/workos';

export interface InboundDeps {
  store: Pick<Store, 'webhooks'>;
  audit: { append(draft: AuditDraft): Promise<unknown> };
  /** `WORKOS_WEBHOOK_SECRET`; without it every request is refused with 503, never accepted unsigned. */
  secret: string | undefined;
  toleranceMs: number;
  bodyLimitBytes: number;
  now: () => number;
  /** Told of each newly stored event (kicks the delivery worker). */
  onStored: (event: WebhookEventRecord) => void;
  logger: Logger;
}

/** The event fields Bollard relies on; anything else in the body is kept as received. */
function parseEvent(
  body: Buffer,
): { id: string; event: string; createdAt: string; organizationId: string | null } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { id, event, created_at: createdAt, data } = parsed as Record<string, unknown>;
  if (typeof id !== 'string' || !id || typeof event !== 'string' || !event) return null;
  const org = (data as Record<string, unknown> | undefined)?.organization_id;
  return {
    id,
    event,
    createdAt: typeof createdAt === 'string' ? createdAt : '',
    organizationId: typeof org === 'string' ? org : null,
  };
}

function sendJson(res: ServerResponse, requestId: string, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    [REQUEST_ID_HEADER]: requestId,
    'cache-control': 'no-store',
  });
  res.end(text);
}

/**
 * `POST /webhooks/workos`: verifies WorkOS's signature over the raw body, stores the event once
 * by id (durably, before answering 200: WorkOS retries anything else), and records every request
 * in the audit log. A refused request stores nothing.
 */
export function createInboundRoute(deps: InboundDeps): LocalRoute {
  return async function receiveWorkosWebhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const started = deps.now();
    const facts = {
      requestId,
      method: 'POST',
      path: INBOUND_PATH,
      clientIp: req.socket.remoteAddress ?? null,
      userAgent: req.headers['user-agent'] ?? null,
    };
    const record = (fields: Partial<AuditDraft> & { reason: string; status: number }) =>
      deps.audit.append(
        webhookAuditDraft({
          ...facts,
          time: new Date(deps.now()).toISOString(),
          latencyMs: deps.now() - started,
          ...fields,
        }),
      );

    if (!deps.secret) {
      req.resume();
      await record({ reason: 'not_configured', status: 503, decision: 'deny' });
      sendError(
        res,
        requestId,
        new BollardError(
          'webhooks_not_configured',
          'Bollard has no WorkOS webhook secret: set WORKOS_WEBHOOK_SECRET to the endpoint secret from the WorkOS dashboard.',
        ),
      );
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, deps.bodyLimitBytes);
    } catch (error) {
      const refused = error instanceof BollardError ? error : new BollardError('invalid_request');
      await record({ reason: refused.code, status: refused.status, decision: 'deny' });
      sendError(res, requestId, refused);
      return;
    }
    const header = req.headers[SIGNATURE_HEADER];
    const check = verifySignature({
      header: Array.isArray(header) ? header[0] : header,
      body,
      secret: deps.secret,
      toleranceMs: deps.toleranceMs,
      now: deps.now(),
    });
    if (!check.ok) {
      await record({
        reason: 'invalid_signature',
        rule: `signature:${check.problem}`,
        status: 401,
        decision: 'deny',
        bytesIn: body.length,
        details: { problem: check.problem },
      });
      sendError(res, requestId, new BollardError('invalid_signature'));
      return;
    }
    const parsed = parseEvent(body);
    if (!parsed) {
      await record({ reason: 'invalid_event', status: 400, decision: 'deny', bytesIn: body.length });
      sendError(
        res,
        requestId,
        new BollardError('invalid_request', 'The body is not a WorkOS event (id, event).'),
      );
      return;
    }
    const stored: WebhookEventRecord = {
      id: parsed.id,
      event: parsed.event,
      createdAt: parsed.createdAt,
      receivedAt: new Date(deps.now()).toISOString(),
      source: 'webhook',
      body: body.toString('utf8'),
      fannedOut: false,
    };
    const isNew = await deps.store.webhooks.insertEvent(stored);
    await record({
      reason: isNew ? 'received' : 'duplicate',
      status: 200,
      decision: 'allow',
      organizationId: parsed.organizationId,
      resourceIds: [parsed.id],
      bytesIn: body.length,
      details: { eventId: parsed.id, event: parsed.event, duplicate: !isNew },
    });
    if (isNew) deps.onStored(stored);
    sendJson(res, requestId, 200, { received: true, duplicate: !isNew });
  };
}
