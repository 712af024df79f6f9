import { Readable } from 'node:stream';
import type { z } from 'zod';
import { exportAudit, verifyChain } from '../../audit/index.js';
import { BollardError } from '../../errors/index.js';
import type { AuditKind, Store } from '../../store/types.js';
import { streamAudit } from '../audit-stream.js';
import { type AuditFilter, queryAuditEntries } from '../audit-view.js';
import type { Router } from '../route.js';
import { auditQueryParams, auditStreamParams, exportParams } from '../schemas.js';

const KINDS: readonly AuditKind[] = ['call', 'outcome', 'admin', 'webhook', 'system'];

/** Query parameters → store filter; an agent may be named by id or by name. */
async function toFilter(
  store: Store,
  query: z.output<typeof auditStreamParams> & { until?: string },
): Promise<AuditFilter> {
  let agentId = query.agent;
  if (agentId && !agentId.startsWith('agt_')) {
    const agent = await store.getAgentByName(agentId);
    if (!agent)
      throw new BollardError('not_found', `no agent '${query.agent}' (a deleted agent is found by its id)`);
    agentId = agent.id;
  }
  const unknown = (query.kind ?? []).filter((kind) => !KINDS.includes(kind as AuditKind));
  if (unknown.length > 0) {
    throw new BollardError('validation_failed', `unknown kind '${unknown[0]}' (use ${KINDS.join(', ')})`);
  }
  return {
    agentId,
    decision: query.decision,
    area: query.area,
    endpointId: query.endpoint,
    status: query.status,
    organizationId: query.organization,
    kinds: query.kind as AuditKind[] | undefined,
    since: query.since,
    until: query.until,
  };
}

/** Audit query, live stream, export and verify. */
export function registerAuditRoutes(router: Router, store: Store, closing: AbortSignal): void {
  const tag = 'audit';
  router.add({
    method: 'GET',
    url: '/audit',
    tag,
    summary: 'Query the audit log, newest first; calls carry their outcome. Page with cursor=nextCursor',
    query: auditQueryParams,
    handler: async ({ query }) =>
      queryAuditEntries(store, await toFilter(store, query), { cursor: query.cursor, limit: query.limit }),
  });
  router.add({
    method: 'GET',
    url: '/audit/stream',
    tag,
    summary: 'Follow the audit log as Server-Sent Events (one event per entry, event name = kind)',
    query: auditStreamParams,
    produces: 'text/event-stream',
    handler: async ({ query, request, reply }) =>
      streamAudit(store, await toFilter(store, query), request, reply, {
        afterSeq: query.after,
        signal: closing,
      }),
  });
  router.add({
    method: 'GET',
    url: '/audit/export',
    tag,
    summary: 'Export the whole chain, streamed: JSON Lines (re-verifiable offline) or CSV',
    query: exportParams,
    produces: 'application/x-ndjson',
    handler: async ({ query, reply }) => {
      const csv = query.format === 'csv';
      reply.header('content-type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="bollard-audit.${csv ? 'csv' : 'jsonl'}"`);
      return reply.send(Readable.from(exportAudit(store, { format: query.format })));
    },
  });
  router.add({
    method: 'POST',
    url: '/audit/verify',
    tag,
    summary: 'Walk the hash chain and report the first break',
    handler: async () => verifyChain(store),
  });
}
