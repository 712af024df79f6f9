import type { AuditDraft } from '../store/types.js';

/** The fields every draft must set; the rest default to null (or empty). */
export type DraftFields = Pick<AuditDraft, 'kind' | 'time' | 'requestId'> & Partial<AuditDraft>;

/**
 * An audit draft with every field not given set to null: admin, webhook and system records fill only
 * the few fields that mean something for them.
 * @example auditDraft({ kind: 'system', time: new Date().toISOString(), requestId: 'start', reason: 'started' })
 */
export function auditDraft(fields: DraftFields): AuditDraft {
  return {
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
}
