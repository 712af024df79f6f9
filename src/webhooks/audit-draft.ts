import type { AuditDraft } from '../store/types.js';

/** The fields a webhook record sets; everything else in the draft is null. */
export type WebhookAuditFields = Pick<AuditDraft, 'time' | 'requestId' | 'reason'> &
  Partial<Omit<AuditDraft, 'kind' | 'time' | 'requestId' | 'reason'>>;

/**
 * An audit draft of kind `webhook`: an inbound event (received, duplicate, refused) or a delivery
 * attempt. `details` carries ids, event types, URLs without their query — never a secret or a signature.
 */
export function webhookAuditDraft(fields: WebhookAuditFields): AuditDraft {
  return {
    kind: 'webhook',
    agentId: null,
    agentName: null,
    endpointId: null,
    area: null,
    access: null,
    permission: null,
    decision: null,
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

/** A URL as the audit log may show it: origin and path, no query string or credentials. */
export function auditableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
