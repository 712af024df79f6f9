import type { Logger } from 'pino';
import type { LocalRoute } from '../gateway/index.js';
import type { AuditDraft, Store } from '../store/types.js';
import type { WebhookEventRecord } from '../store/webhook-types.js';
import { backfillEvents } from './backfill.js';
import { createDeliveryDispatcher } from './deliver.js';
import { createDestinationGuard, type DestinationRules } from './destination.js';
import { createInboundRoute, INBOUND_PATH } from './inbound.js';
import { DEFAULT_RETRY_SCHEDULE_MS } from './schedule.js';
import { createWebhookService, type WebhookService } from './service.js';
import { DEFAULT_TOLERANCE_MS } from './signature.js';
import { DeliveryWorker } from './worker.js';

/** Settings beyond the configuration; tests shorten the schedule and the poll. */
export interface WebhookRelayOptions {
  /** Waits before each attempt, in ms (default `DEFAULT_RETRY_SCHEDULE_MS`). */
  schedule?: readonly number[];
  /** Longest idle sleep of the delivery worker (default 1 s). */
  pollMs?: number;
  /** Do not start the delivery worker (another process delivers). */
  worker?: boolean;
}

export interface WebhookRelayDeps {
  store: Store;
  audit: { append(draft: AuditDraft): Promise<unknown> };
  logger: Logger;
  now: () => number;
  upstream: { url: string; apiKey: string };
  /** `WORKOS_WEBHOOK_SECRET`. */
  secret: string | undefined;
  toleranceMs?: number;
  /** Per-attempt timeout of an outbound delivery. */
  timeoutMs: number;
  bodyLimitBytes: number;
  /** Where deliveries may go (`BOLLARD_WEBHOOK_ALLOW_PRIVATE`, Bollard's own ports). */
  destinations: DestinationRules;
  /** Told of every newly stored event, received or backfilled (the owner cache forgets what it changed). */
  onEvent?: (event: WebhookEventRecord) => void;
}

/** The webhook relay: inbound route, admin service and delivery worker, wired together. */
export interface WebhookRelay {
  /** `"POST /webhooks/workos"` → handler, for the proxy's local routes. */
  routes: ReadonlyMap<string, LocalRoute>;
  service: WebhookService;
  worker: DeliveryWorker;
  close(): Promise<void>;
}

/**
 * Builds the relay and starts its worker.
 * @example
 *   const relay = createWebhookRelay({ store, audit, logger, now: Date.now, upstream, secret, timeoutMs: 15_000, bodyLimitBytes, destinations });
 *   const proxy = createProxyServer(deps, relay.routes);
 */
export function createWebhookRelay(deps: WebhookRelayDeps, options: WebhookRelayOptions = {}): WebhookRelay {
  const destinations = createDestinationGuard(deps.destinations);
  const dispatcher = createDeliveryDispatcher(destinations, Math.min(deps.timeoutMs, 10_000)); // connect within 10 s
  const worker = new DeliveryWorker({
    dispatcher,
    store: deps.store,
    audit: deps.audit,
    logger: deps.logger,
    now: deps.now,
    schedule: options.schedule ?? DEFAULT_RETRY_SCHEDULE_MS,
    timeoutMs: deps.timeoutMs,
    pollMs: options.pollMs ?? 1_000, // 1 second
  });
  const stored = (event: WebhookEventRecord) => {
    try {
      deps.onEvent?.(event);
    } catch (error) {
      deps.logger.warn({ err: error, eventId: event.id }, 'event hook failed');
    }
    worker.kick();
  };
  const kick = () => worker.kick();
  const route = createInboundRoute({
    store: deps.store,
    audit: deps.audit,
    secret: deps.secret,
    toleranceMs: deps.toleranceMs ?? DEFAULT_TOLERANCE_MS,
    bodyLimitBytes: deps.bodyLimitBytes,
    now: deps.now,
    onStored: stored,
    logger: deps.logger,
  });
  const service = createWebhookService({
    store: deps.store,
    audit: deps.audit,
    now: deps.now,
    kick,
    destinations,
    backfill: (since) =>
      backfillEvents(
        { upstream: deps.upstream, store: deps.store, audit: deps.audit, now: deps.now, onStored: kick },
        since,
      ),
  });
  if (options.worker !== false) worker.start();
  return {
    routes: new Map([[`POST ${INBOUND_PATH}`, route]]),
    service,
    worker,
    async close() {
      await worker.close();
      await dispatcher.close();
    },
  };
}
