import { events as catalogEvents } from '../catalog/index.js';
import { BollardError } from '../errors/index.js';
import type { AuditDraft, Store } from '../store/types.js';
import { webhookAuditDraft } from './audit-draft.js';

/** WorkOS keeps events for 30 days (REFERENCE.md §6.4): nothing older can be fetched. */
export const EVENTS_RETENTION_MS = 30 * 86_400_000; // 30 days

export interface BackfillDeps {
  upstream: { url: string; apiKey: string };
  store: Pick<Store, 'webhooks'>;
  audit: { append(draft: AuditDraft): Promise<unknown> };
  now: () => number;
  /** Told when at least one new event was stored. */
  onStored: () => void;
  /** Event types to ask for (default: every event in the catalog). */
  eventNames?: readonly string[];
  pageSize?: number;
}

export interface BackfillResult {
  since: string;
  fetched: number;
  stored: number;
  duplicates: number;
  pages: number;
}

interface EventsPage {
  data: Array<Record<string, unknown>>;
  list_metadata?: { after?: string | null };
}

async function fetchPage(deps: BackfillDeps, since: string, after: string | null): Promise<EventsPage> {
  const query = new URLSearchParams({
    events: (deps.eventNames ?? catalogEvents.map((event) => event.name)).join(','),
    range_start: since,
    limit: String(deps.pageSize ?? 100),
    order: 'asc',
  });
  if (after) query.set('after', after);
  const response = await fetch(`${deps.upstream.url.replace(/\/+$/, '')}/events?${query}`, {
    headers: { authorization: `Bearer ${deps.upstream.apiKey}`, accept: 'application/json' },
    signal: AbortSignal.timeout(30_000),
  }).catch((error: unknown) => {
    throw new BollardError(
      'upstream_unavailable',
      `WorkOS could not be reached for /events (${(error as Error).name}).`,
    );
  });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new BollardError('upstream_unavailable', `WorkOS answered ${response.status} to GET /events.`, {
      upstream_status: response.status,
    });
  }
  return (await response.json()) as EventsPage;
}

/**
 * Reconciliation: pages through WorkOS's Events API (oldest first, by cursor) since `since`
 * (default, and at most, 30 days back) and stores every event Bollard does not have yet, exactly
 * as a webhook would have; duplicates are skipped by id. Webhooks can be lost upstream; this is
 * how the gap closes.
 */
export async function backfillEvents(deps: BackfillDeps, since?: string): Promise<BackfillResult> {
  const now = deps.now();
  const earliest = now - EVENTS_RETENTION_MS;
  const from = since ? Math.max(Date.parse(since), earliest) : earliest;
  if (Number.isNaN(from)) throw new BollardError('invalid_request', `since '${since}' is not a time.`);
  const result: BackfillResult = {
    since: new Date(from).toISOString(),
    fetched: 0,
    stored: 0,
    duplicates: 0,
    pages: 0,
  };
  let after: string | null = null;
  do {
    const page = await fetchPage(deps, result.since, after);
    result.pages++;
    for (const item of page.data) {
      result.fetched++;
      if (await storeItem(deps, item)) result.stored++;
      else result.duplicates++;
    }
    after = page.data.length > 0 ? (page.list_metadata?.after ?? null) : null;
  } while (after);
  if (result.stored > 0) deps.onStored();
  await deps.audit.append(
    webhookAuditDraft({
      time: new Date(deps.now()).toISOString(),
      requestId: `backfill_${now}`,
      reason: 'backfill',
      method: 'GET',
      path: '/events',
      details: { ...result },
    }),
  );
  return result;
}

async function storeItem(deps: BackfillDeps, item: Record<string, unknown>): Promise<boolean> {
  const { id, event, created_at: createdAt } = item;
  if (typeof id !== 'string' || typeof event !== 'string') return false;
  const isNew = await deps.store.webhooks.insertEvent({
    id,
    event,
    createdAt: typeof createdAt === 'string' ? createdAt : '',
    receivedAt: new Date(deps.now()).toISOString(),
    source: 'backfill',
    body: JSON.stringify(item),
    fannedOut: false,
  });
  if (isNew) {
    await deps.audit.append(
      webhookAuditDraft({
        time: new Date(deps.now()).toISOString(),
        requestId: `backfill_${id}`,
        reason: 'backfilled',
        decision: 'allow',
        resourceIds: [id],
        details: { eventId: id, event },
      }),
    );
  }
  return isNew;
}
