import type { Logger } from 'pino';
import type { BollardConfig } from '../config/index.js';
import type { CallObserver } from '../gateway/index.js';
import {
  type BollardMetrics,
  createCallObserver,
  createMetrics,
  createOtlpExporter,
  createReadiness,
  type Readiness,
  type SpanExporter,
} from '../observability/index.js';
import { allDomainsOpen, type BreakerState } from '../ratelimit/index.js';
import type { AuditDraft, Store, StoreChange } from '../store/types.js';

type AuditAppender = { append(draft: AuditDraft): Promise<unknown> };

/** What the rest of the app reads lazily (the parts are built after the metrics that describe them). */
export interface ObservedParts {
  auditQueueDepth(): number;
  /** Each failure domain's breaker, for the domains called so far. */
  breakerStates(): ReadonlyMap<string, BreakerState>;
  rateLimitDegraded(): boolean;
  ownerLookups?(): { hits: number; misses: number; failures: number; entries: number };
  /** Each audit sink's cursor and failures. */
  auditSinks(): Array<{ name: string; cursor: number | null; failures: number }>;
}

/** Metrics, traces, the call log line and readiness of one app instance. */
export interface AppObservability {
  /** Null with `BOLLARD_METRICS=off`. */
  metrics: BollardMetrics | null;
  observer: CallObserver;
  readiness: Readiness;
  /** For the audit writer. */
  auditHooks: {
    onCommit(batchSize: number, seconds: number, headSeq: number | null): void;
    onError(error: unknown, batchSize: number): void;
  };
  /** For `store.watchChanges`: a change from another replica, with how long it took to arrive. */
  changeArrived(change?: StoreChange): void;
  /** An audit sink that counts webhook records on their way to `sink`. */
  countWebhooks(sink: AuditAppender): AuditAppender;
  /** Marks the policy file applied (readiness waits for it when one is configured). */
  policyLoaded(): void;
  /** Turns readiness false for good: the process is draining before it stops. */
  startDraining(): void;
  close(): Promise<void>;
}

export function createAppObservability(
  config: BollardConfig,
  deps: {
    logger: Logger;
    store: Store;
    parts: () => ObservedParts | null;
    now: () => number;
    readinessCacheMs?: number;
  },
): AppObservability {
  const { logger, store, now } = deps;
  let policyLoaded = !config.policy;
  let draining = false;
  const breakerStates = () => deps.parts()?.breakerStates() ?? new Map<string, BreakerState>();
  // Unready only when every area called so far is failing: one bad area leaves the others served here.
  const breakerState = () => (allDomainsOpen(breakerStates()) ? 'open' : 'closed');
  const readiness = createReadiness({
    checkStore: () => store.checkAuditWritable(),
    breakerState,
    policyLoaded: () => policyLoaded,
    draining: () => draining,
    cacheMs: deps.readinessCacheMs,
  });
  const metrics =
    config.metrics === 'on'
      ? createMetrics({
          auditQueueDepth: () => deps.parts()?.auditQueueDepth() ?? 0,
          breakerStates,
          rateLimitDegraded: () => deps.parts()?.rateLimitDegraded() ?? false,
          ownerLookups: () => deps.parts()?.ownerLookups?.() ?? null,
          webhookDeliveries: () => store.webhooks.deliveryStats(),
          auditSinks: async () => {
            const sinks = deps.parts()?.auditSinks() ?? [];
            if (sinks.length === 0) return [];
            // The durable cursors are the truth: a sink thread that has not reported yet (or is down) still
            // has a lag, and a sink with no cursor row has delivered nothing.
            const [{ lastSeq }, cursors] = await Promise.all([store.auditBounds(), store.sinkCursors.list()]);
            const delivered = new Map(cursors.map((cursor) => [cursor.name, cursor.seq]));
            return sinks.map((sink) => ({
              name: sink.name,
              lag: Math.max(0, lastSeq - (delivered.get(sink.name) ?? sink.cursor ?? 0)),
              failures: sink.failures,
            }));
          },
          ready: async () => (await readiness.check()).ready,
          now,
        })
      : null;
  const exporter: SpanExporter | null = config.otlpEndpoint
    ? createOtlpExporter({ endpoint: config.otlpEndpoint, logger })
    : null;
  return {
    metrics,
    observer: createCallObserver({ metrics, exporter, logger }),
    readiness,
    auditHooks: {
      onCommit: (rows, seconds, headSeq) => metrics?.auditCommit(rows, seconds, headSeq),
      onError(error, batchSize) {
        metrics?.auditFailure(batchSize);
        logger.error({ err: error, batchSize }, 'audit batch failed');
      },
    },
    changeArrived(change) {
      if (change?.sentAt) metrics?.changePropagated((Date.now() - change.sentAt) / 1000);
    },
    countWebhooks(sink) {
      if (!metrics) return sink;
      return {
        append(draft) {
          metrics.webhook(draft);
          return sink.append(draft);
        },
      };
    },
    policyLoaded() {
      policyLoaded = true;
    },
    startDraining() {
      draining = true;
    },
    async close() {
      await exporter?.close();
    },
  };
}
