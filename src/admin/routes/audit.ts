import { Readable } from 'node:stream';
import type { z } from 'zod';
import {
  type AuditCheckpoints,
  CHECKPOINT_REQUEST_ID,
  describePublicKey,
  exportAudit,
  isCheckpoint,
  verifyChain,
} from '../../audit/index.js';
import { BollardError } from '../../errors/index.js';
import type { AuditKind, Store } from '../../store/types.js';
import { streamAudit } from '../audit-stream.js';
import { type AuditFilter, queryAuditEntries } from '../audit-view.js';
import type { Router } from '../route.js';
import { auditQueryParams, auditStreamParams, checkpointListParams, exportParams } from '../schemas.js';

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

/** The first seq an export `since` names: a seq as it is, a time as the first record at or after it. */
async function firstSeqSince(store: Store, since: string | undefined): Promise<number | undefined> {
  if (since === undefined) return undefined;
  if (/^\d+$/.test(since)) return Number(since);
  const [first] = await store.queryAudit({
    since: new Date(since).toISOString(),
    afterSeq: 0,
    order: 'asc',
    limit: 1,
  });
  // Nothing at or after that time: start past the head, an empty export.
  return first?.seq ?? (await store.auditBounds()).lastSeq + 1;
}

/** Audit query, live stream, export and verify; checkpoints and their public key when signing is on. */
export function registerAuditRoutes(
  router: Router,
  store: Store,
  closing: AbortSignal,
  checkpoints?: AuditCheckpoints,
): void {
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
    summary:
      'Export the chain, streamed: JSON Lines (re-verifiable offline) or CSV; since=SEQ|TIME exports a part that still verifies on its own',
    query: exportParams,
    produces: 'application/x-ndjson',
    handler: async ({ query, reply }) => {
      const csv = query.format === 'csv';
      const fromSeq = await firstSeqSince(store, query.since);
      reply.header('content-type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="bollard-audit.${csv ? 'csv' : 'jsonl'}"`);
      return reply.send(Readable.from(exportAudit(store, { format: query.format, fromSeq })));
    },
  });
  if (checkpoints) registerCheckpointRoutes(router, store, checkpoints);
  router.add({
    method: 'POST',
    url: '/audit/verify',
    tag,
    summary: 'Walk the hash chain and report the first break',
    handler: async () => verifyChain(store),
  });
}

/** The signing key's public half, the checkpoints in the chain, and signing one now. */
function registerCheckpointRoutes(router: Router, store: Store, checkpoints: AuditCheckpoints): void {
  const tag = 'audit';
  router.add({
    method: 'GET',
    url: '/audit/public-key',
    tag,
    summary: 'The Ed25519 public key that signs audit checkpoints: pin it where you verify',
    handler: async () => describePublicKey(checkpoints.publicKey),
  });
  router.add({
    method: 'GET',
    url: '/audit/checkpoints',
    tag,
    summary: 'Signed checkpoints of the chain head, oldest first; page with after=next',
    query: checkpointListParams,
    handler: async ({ query }) => {
      const records = await store.queryAudit({
        requestId: CHECKPOINT_REQUEST_ID,
        afterSeq: query.after ?? 0,
        order: 'asc',
        limit: query.limit,
      });
      const data = records.map((record) => record.details.checkpoint).filter(isCheckpoint);
      // `after` counts records of the chain, not checkpoint heads: the next page starts after this one's last record.
      return { data, next: records.length === query.limit ? (records.at(-1)?.seq ?? null) : null };
    },
  });
  router.add({
    method: 'POST',
    url: '/audit/checkpoints',
    tag,
    summary: 'Sign the chain head now (answers the newest checkpoint when nothing was written since)',
    handler: async () => {
      const checkpoint = await checkpoints.checkpoint();
      if (!checkpoint)
        throw new BollardError('not_found', 'the audit log is empty: there is no head to sign yet');
      return checkpoint;
    },
  });
}
