import { auditDraft } from '../audit/draft.js';
import type { AuditDraft } from '../store/types.js';

/** The fields a webhook record sets; everything else in the draft is null. */
export type WebhookAuditFields = Pick<AuditDraft, 'time' | 'requestId' | 'reason'> &
  Partial<Omit<AuditDraft, 'kind' | 'time' | 'requestId' | 'reason'>>;

/**
 * An audit draft of kind `webhook`: an inbound event (received, duplicate, refused) or a delivery
 * attempt. `details` carries ids, event types, URLs without their query — never a secret or a signature.
 */
export function webhookAuditDraft(fields: WebhookAuditFields): AuditDraft {
  return auditDraft({ kind: 'webhook', ...fields });
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
