import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditRecord, Store } from '../store/types.js';
import { type AuditEntry, type AuditFilter, matchesFilter, mergeOutcome } from './audit-view.js';

export interface StreamOptions {
  /** How often the store is polled for new records (default 200 ms). */
  pollMs?: number;
  /** How long an allowed call waits for its outcome before it is shown without one (default 2 s). */
  outcomeWaitMs?: number;
  /** Comment line sent when nothing happened, so proxies keep the connection (default 15 s). */
  keepAliveMs?: number;
}

/**
 * Follows the audit log as Server-Sent Events. It polls the store for records after the last seq it
 * sent, so it sees what every replica writes (a shared PostgreSQL) without any notification channel.
 * An allowed call is held until its outcome arrives (or a short wait passes) and sent merged.
 */
export async function streamAudit(
  store: Store,
  filter: AuditFilter,
  request: FastifyRequest,
  reply: FastifyReply,
  options: StreamOptions & { afterSeq?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const pollMs = options.pollMs ?? 200;
  const outcomeWaitMs = options.outcomeWaitMs ?? 2000;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  let lastSeq = options.afterSeq ?? (await store.auditBounds()).lastSeq;
  const pending = new Map<string, { call: AuditRecord; since: number }>();
  let lastWrite = Date.now();
  let closed = false;

  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  out.write(`: following after seq ${lastSeq}\n\n`);
  request.raw.on('close', () => {
    closed = true;
  });

  const send = (entry: AuditEntry) => {
    if (!matchesFilter(entry, filter)) return;
    out.write(
      `id: ${entry.outcome?.seq ?? entry.seq}\nevent: ${entry.kind}\ndata: ${JSON.stringify(entry)}\n\n`,
    );
    lastWrite = Date.now();
  };

  const take = (record: AuditRecord) => {
    if (record.kind === 'outcome') {
      const held = pending.get(record.requestId);
      pending.delete(record.requestId);
      if (held) send(mergeOutcome(held.call, record));
    } else if (record.kind === 'call' && record.decision === 'allow' && record.status === null) {
      pending.set(record.requestId, { call: record, since: Date.now() });
    } else {
      send(mergeOutcome(record, null));
    }
  };

  options.signal?.addEventListener('abort', () => {
    closed = true;
  });

  while (!closed) {
    const records = await store
      .queryAudit({ afterSeq: lastSeq, order: 'asc', limit: 1000 })
      .catch((error) => {
        request.log.error({ err: error }, 'audit stream could not read the store');
        closed = true;
        return [];
      });
    for (const record of records) take(record);
    lastSeq = records.at(-1)?.seq ?? lastSeq;
    for (const [requestId, held] of pending) {
      if (Date.now() - held.since < outcomeWaitMs) continue;
      pending.delete(requestId);
      send(mergeOutcome(held.call, null));
    }
    if (Date.now() - lastWrite >= keepAliveMs) {
      out.write(': keep-alive\n\n');
      lastWrite = Date.now();
    }
    if (records.length < 1000) await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  out.end();
}
