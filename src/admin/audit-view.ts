import type { AuditKind, AuditQuery, AuditRecord, Store } from '../store/types.js';

/** A proxied call as people read it: its 'call' record with the outcome's facts merged in. */
export interface AuditEntry extends AuditRecord {
  /** The outcome record (seq and hash, to find it in the chain), or null when there is none (yet). */
  outcome: { seq: number; hash: string; time: string; details: Record<string, unknown> } | null;
}

/** The filters a reader can set; the store query and the live stream both honour them. */
export interface AuditFilter {
  agentId?: string;
  decision?: 'allow' | 'deny';
  area?: string;
  endpointId?: string;
  status?: number;
  organizationId?: string;
  kinds?: AuditKind[];
  since?: string;
  until?: string;
}

/** Kinds listed to readers; outcomes are folded into their calls rather than shown apart. */
const READER_KINDS: AuditKind[] = ['call', 'admin', 'webhook', 'system'];

/** Merges an outcome's final facts into its call. */
export function mergeOutcome(call: AuditRecord, outcome: AuditRecord | null): AuditEntry {
  if (!outcome) return { ...call, outcome: null };
  return {
    ...call,
    organizationId: call.organizationId ?? outcome.organizationId,
    status: outcome.status ?? call.status,
    upstreamStatus: outcome.upstreamStatus,
    upstreamRequestId: outcome.upstreamRequestId,
    latencyMs: outcome.latencyMs,
    upstreamLatencyMs: outcome.upstreamLatencyMs,
    bytesOut: outcome.bytesOut,
    outcome: { seq: outcome.seq, hash: outcome.hash, time: outcome.time, details: outcome.details },
  };
}

/** True when a record passes the filter (for the live stream, which filters in memory). */
export function matchesFilter(record: AuditRecord, filter: AuditFilter): boolean {
  const kinds = filter.kinds?.length ? filter.kinds : READER_KINDS;
  if (!kinds.includes(record.kind)) return false;
  if (filter.agentId && record.agentId !== filter.agentId) return false;
  if (filter.decision && record.decision !== filter.decision) return false;
  if (filter.area && record.area !== filter.area) return false;
  if (filter.endpointId && record.endpointId !== filter.endpointId) return false;
  if (filter.status && record.status !== filter.status) return false;
  if (filter.organizationId && record.organizationId !== filter.organizationId) return false;
  if (filter.since && record.time < filter.since) return false;
  return !(filter.until && record.time >= filter.until);
}

async function findOne(store: Store, kind: AuditKind, requestId: string): Promise<AuditRecord | null> {
  const [record] = await store.queryAudit({ kind, requestId, limit: 1 });
  return record ?? null;
}

/**
 * One page of the audit log, newest first, with outcomes folded into their calls. A status filter
 * also searches outcomes (an allowed call's final status lives there) and returns their calls.
 * `nextCursor` is the seq to pass back as `cursor` for the next (older) page.
 */
export async function queryAuditEntries(
  store: Store,
  filter: AuditFilter,
  page: { cursor?: number; limit: number },
): Promise<{ data: AuditEntry[]; nextCursor: number | null }> {
  const kinds = filter.kinds?.length ? filter.kinds : READER_KINDS;
  const query: AuditQuery = {
    // An allowed call's final status, and the organization a create made, live in its outcome.
    kind:
      (filter.status !== undefined || filter.organizationId !== undefined) && kinds.includes('call')
        ? [...kinds, 'outcome']
        : kinds,
    agentId: filter.agentId,
    decision: filter.decision,
    area: filter.area,
    endpointId: filter.endpointId,
    status: filter.status,
    organizationId: filter.organizationId,
    since: filter.since,
    until: filter.until,
    beforeSeq: page.cursor,
    order: 'desc',
    limit: page.limit,
  };
  const hits = await store.queryAudit(query);
  const seen = new Set<string>();
  const data: AuditEntry[] = [];
  for (const hit of hits) {
    if (hit.kind !== 'call' && hit.kind !== 'outcome') {
      data.push({ ...hit, outcome: null });
      continue;
    }
    if (seen.has(hit.requestId)) continue;
    seen.add(hit.requestId);
    const call = hit.kind === 'call' ? hit : await findOne(store, 'call', hit.requestId);
    const outcome = hit.kind === 'outcome' ? hit : await findOne(store, 'outcome', hit.requestId);
    if (call) data.push(mergeOutcome(call, outcome));
  }
  const last = hits.at(-1);
  return { data, nextCursor: hits.length === page.limit && last ? last.seq : null };
}
