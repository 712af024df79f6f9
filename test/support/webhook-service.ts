import type { AuditDraft, Store } from '../../src/store/types.js';
import {
  createDestinationGuard,
  createWebhookService,
  type WebhookService,
} from '../../src/webhooks/index.js';

/**
 * The webhook service alone, for admin API tests: no delivery worker, no backfill, and the default
 * destination rules (public addresses only).
 */
export function standaloneWebhookService(
  store: Store,
  audit: { append(draft: AuditDraft): Promise<unknown> },
): WebhookService {
  return createWebhookService({
    store,
    audit,
    now: Date.now,
    kick: () => {},
    destinations: createDestinationGuard({ allowPrivate: { all: false, cidrs: [] }, ownPorts: () => [] }),
    backfill: async () => ({ since: '', fetched: 0, stored: 0, duplicates: 0, pages: 0 }),
  });
}
