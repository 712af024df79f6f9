import type { AuditDraft } from '../store/types.js';
import { capNullable, MAX_HEADER_CHARS, MAX_PATH_CHARS } from './bound.js';

/** The fields every draft must set; the rest default to null (or empty). */
export type DraftFields = Pick<AuditDraft, 'kind' | 'time' | 'requestId'> & Partial<AuditDraft>;

/**
 * An audit draft with every field not given set to null: admin, webhook and system records fill only
 * the few fields that mean something for them. The path and user agent are bounded like a call's.
 * @example auditDraft({ kind: 'system', time: new Date().toISOString(), requestId: 'start', reason: 'started' })
 */
export function auditDraft(fields: DraftFields): AuditDraft {
  const draft: AuditDraft = {
    agentId: null,
    agentName: null,
    endpointId: null,
    area: null,
    access: null,
    permission: null,
    decision: null,
    reason: null,
    rule: null,
    method: null,
    path: null,
    organizationId: null,
    resourceIds: [],
    status: null,
    upstreamStatus: null,
    upstreamRequestId: null,
    latencyMs: null,
    upstreamLatencyMs: null,
    bytesIn: null,
    bytesOut: null,
    clientIp: null,
    userAgent: null,
    details: {},
    ...fields,
  };
  draft.path = capNullable(draft.path, MAX_PATH_CHARS);
  draft.userAgent = capNullable(draft.userAgent, MAX_HEADER_CHARS);
  return draft;
}

/** How many calls a record stands for: an aggregate of repeated denials carries their count, others are one. */
export function callsRepresented(record: Pick<AuditDraft, 'details'>): number {
  const count = (record.details as { aggregate?: { count?: unknown } }).aggregate?.count;
  return typeof count === 'number' ? count : 1;
}
