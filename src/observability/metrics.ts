import {
  Counter as CounterMetric,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type LabelValues,
  Registry,
} from 'prom-client';
import type { AuditDraft } from '../store/types.js';

/** Agents that could not be identified (no, bad or revoked token) are counted under this name. */
export const ANONYMOUS = 'anonymous';

/** What the metrics read at scrape time rather than on every call. */
export interface MetricsSources {
  /** Audit drafts waiting for the next group commit. */
  auditQueueDepth?: () => number;
  /** Each failure domain's circuit breaker (a WorkOS product area), for the domains called so far. */
  breakerStates?: () => ReadonlyMap<string, 'closed' | 'open' | 'half_open'>;
  /** True while Redis is unreachable and limits are enforced locally. */
  rateLimitDegraded?: () => boolean;
  /** Webhook deliveries per status and when the oldest pending one was created. */
  webhookDeliveries?: () => Promise<{
    counts: Partial<Record<string, number>>;
    oldestPendingAt: string | null;
  }>;
  /** The organization-owner cache of pinned agents' calls: hits, misses, failed lookups, entries. */
  ownerLookups?: () => { hits: number; misses: number; failures: number; entries: number } | null;
  /** Each audit sink's lag (records written but not delivered; null while another replica holds it) and failures. */
  auditSinks?: () => Promise<Array<{ name: string; lag: number | null; failures: number }>>;
  /** Readiness, checked as `/readyz` checks it (cached there), so the gauge is right without probes. */
  ready?: () => Promise<boolean>;
  now?: () => number;
}

/** How long one call spent in Bollard and at WorkOS, in seconds. */
export interface CallTimings {
  totalSeconds: number;
  /** Null when the call never went upstream. */
  upstreamSeconds: number | null;
  /** Time spent waiting for a WorkOS rate limit to have room, when it waited. */
  waitSeconds: number | null;
}

/**
 * Bollard's Prometheus metrics, one registry per app (tests run several apps in one process). The hot
 * path calls a handful of methods; each reuses label children cached by key, so a call costs a map
 * lookup and a few additions, not a label-set build.
 * @example
 *   const metrics = createMetrics({ auditQueueDepth: () => writer.pending });
 *   metrics.call(outcomeRecord, { totalSeconds: 0.004, upstreamSeconds: 0.003, waitSeconds: null });
 *   res.end(await metrics.registry.metrics());
 */
export interface BollardMetrics {
  readonly registry: Registry;
  /** One finished call: its final record (a denial's call record, or an allowed call's outcome). */
  call(record: AuditDraft, timings: CallTimings): void;
  /** A call starts (+1) or stops (-1) waiting inside Bollard for a WorkOS rate limit. */
  waiting(delta: 1 | -1): void;
  upstreamRetry(): void;
  /** One group commit of the audit writer. */
  auditCommit(rows: number, seconds: number, headSeq: number | null): void;
  auditFailure(rows: number): void;
  /** A webhook record: an inbound event from WorkOS, or a delivery attempt to an agent. */
  webhook(record: AuditDraft): void;
  /** A change notification from another replica arrived this long after it was sent. */
  changePropagated(seconds: number): void;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const ROW_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
const BREAKER_STATES = ['closed', 'half_open', 'open'] as const;
const WEBHOOK_INBOUND_PATH = '/webhooks/workos';
const NONCONFORMING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];
const DELIVERY_STATES = ['pending', 'delivered', 'dead', 'denied'] as const;

type DeliveryStatsReader = NonNullable<MetricsSources['webhookDeliveries']>;

/** The reader's answer shared by the gauges of one scrape (they collect concurrently). */
function sharedPerScrape(read: DeliveryStatsReader | undefined) {
  let pending: ReturnType<DeliveryStatsReader> | null = null;
  return async () => {
    if (!read) return null;
    pending ??= read().finally(() => {
      setImmediate(() => {
        pending = null;
      });
    });
    return pending.catch(() => null);
  };
}

/**
 * Counts per label set in plain numbers, keyed by a string the caller builds from values it already has;
 * `flushInto` adds them to a prom-client counter when it is scraped. prom-client's own label children hash
 * and validate the label set on every increment; this costs a map lookup and an addition.
 */
class Tally {
  private readonly slots = new Map<string, { labels: LabelValues<string>; pending: number }>();

  add(key: string, labels: () => LabelValues<string>): void {
    const slot = this.slots.get(key);
    if (slot) slot.pending++;
    else this.slots.set(key, { labels: labels(), pending: 1 });
  }

  flushInto(counter: { inc(labels: LabelValues<string>, value: number): void }): void {
    for (const slot of this.slots.values()) {
      if (slot.pending === 0) continue;
      counter.inc(slot.labels, slot.pending);
      slot.pending = 0;
    }
  }
}

export function createMetrics(sources: MetricsSources = {}): BollardMetrics {
  const registry = new Registry();
  const registers = [registry];
  const now = sources.now ?? Date.now;
  collectDefaultMetrics({ register: registry });
  // Gauges whose names end in _total break the naming rules promtool checks; the counts stay in
  // nodejs_active_handles / nodejs_active_requests / nodejs_active_resources.
  for (const name of NONCONFORMING_DEFAULTS) registry.removeSingleMetric(name);

  // The per-call counters add to plain numbers on the hot path; the sums reach prom-client at scrape time.
  const callTally = new Tally();
  const denialTally = new Tally();
  const classTally = new Tally();
  new CounterMetric({
    name: 'bollard_calls_total',
    help: 'Calls through the proxy by agent, area, access, decision, reason and the status Bollard answered',
    labelNames: ['agent', 'area', 'access', 'decision', 'reason', 'status'] as const,
    registers,
    collect() {
      callTally.flushInto(this);
    },
  });
  new CounterMetric({
    name: 'bollard_denials_total',
    help: 'Denied calls by agent and the permission the endpoint needs',
    labelNames: ['agent', 'permission'] as const,
    registers,
    collect() {
      denialTally.flushInto(this);
    },
  });
  const ownTime = new Histogram({
    name: 'bollard_call_overhead_seconds',
    help: "Bollard's own time per call (total minus the time WorkOS took), rate-limit waits included",
    labelNames: ['decision'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const upstreamTime = new Histogram({
    name: 'bollard_upstream_duration_seconds',
    help: 'Time WorkOS took per forwarded call, from sending to the end of the answer',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  new CounterMetric({
    name: 'bollard_upstream_responses_total',
    help: 'Answers from WorkOS by status class (error: no answer)',
    labelNames: ['class'] as const,
    registers,
    collect() {
      classTally.flushInto(this);
    },
  });
  const upstreamTimeouts = new CounterMetric({
    name: 'bollard_upstream_timeouts_total',
    help: 'Upstream calls that timed out, by phase',
    labelNames: ['phase'] as const,
    registers,
  });
  const upstreamRetries = new CounterMetric({
    name: 'bollard_upstream_retries_total',
    help: 'Upstream calls Bollard retried itself (a connection that failed before a byte was sent)',
    registers,
  });
  const shortCircuits = new CounterMetric({
    name: 'bollard_upstream_short_circuits_total',
    help: 'Calls answered 503 at once because the circuit breaker of their domain was open',
    labelNames: ['domain'] as const,
    registers,
  });
  new Gauge({
    name: 'bollard_upstream_breaker_state',
    help: 'Circuit breaker state per failure domain (WorkOS area): 1 for the current state, 0 for the others',
    labelNames: ['domain', 'state'] as const,
    registers,
    collect() {
      for (const [domain, state] of sources.breakerStates?.() ?? [])
        for (const s of BREAKER_STATES) this.set({ domain, state: s }, s === state ? 1 : 0);
    },
  });

  const waitingGauge = new Gauge({
    name: 'bollard_ratelimit_waiting_calls',
    help: 'Calls waiting inside Bollard for a WorkOS rate limit to have room',
    registers,
  });
  const waitTime = new Histogram({
    name: 'bollard_ratelimit_wait_seconds',
    help: 'How long calls that waited for a WorkOS rate limit waited',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60],
    registers,
  });
  const refusals = new CounterMetric({
    name: 'bollard_ratelimit_refusals_total',
    help: 'Calls refused with 429 by reason (workos_limit after the longest wait, fair_share, quota)',
    labelNames: ['reason'] as const,
    registers,
  });
  new Gauge({
    name: 'bollard_ratelimit_degraded',
    help: '1 while Redis is unreachable and limits are enforced locally at this process share',
    registers,
    collect() {
      this.set(sources.rateLimitDegraded?.() ? 1 : 0);
    },
  });

  // Owner lookups for organization pins: totals read at scrape time, added as deltas.
  const ownerSeen = { hits: 0, misses: 0, failures: 0 };
  new CounterMetric({
    name: 'bollard_owner_cache_lookups_total',
    help: 'Owner lookups of pinned calls by result: hit (cached), miss (asked WorkOS), failure (denied)',
    labelNames: ['result'] as const,
    registers,
    collect() {
      const stats = sources.ownerLookups?.();
      if (!stats) return;
      const labels = { hits: 'hit', misses: 'miss', failures: 'failure' } as const;
      for (const result of ['hits', 'misses', 'failures'] as const) {
        const delta = stats[result] - ownerSeen[result];
        if (delta > 0) this.inc({ result: labels[result] }, delta);
        ownerSeen[result] = stats[result];
      }
    },
  });
  new Gauge({
    name: 'bollard_owner_cache_entries',
    help: 'Owners held in the lookup cache of organization pins (bounded)',
    registers,
    collect() {
      this.set(sources.ownerLookups?.()?.entries ?? 0);
    },
  });

  const commitTime = new Histogram({
    name: 'bollard_audit_commit_duration_seconds',
    help: 'Duration of one audit group commit (durable when it ends)',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const commitRows = new Histogram({
    name: 'bollard_audit_commit_rows',
    help: 'Audit records per group commit',
    buckets: ROW_BUCKETS,
    registers,
  });
  const auditFailures = new CounterMetric({
    name: 'bollard_audit_write_failures_total',
    help: 'Audit group commits that failed (their calls were refused with 503 audit_unavailable)',
    registers,
  });
  const auditFailedRows = new CounterMetric({
    name: 'bollard_audit_failed_records_total',
    help: 'Audit records in failed group commits',
    registers,
  });
  const chainHead = new Gauge({
    name: 'bollard_audit_chain_head_seq',
    help: 'Sequence number of the last audit record this process committed',
    registers,
  });
  new Gauge({
    name: 'bollard_audit_queue_depth',
    help: 'Audit records waiting for the next group commit',
    registers,
    collect() {
      this.set(sources.auditQueueDepth?.() ?? 0);
    },
  });

  new Gauge({
    name: 'bollard_audit_sink_lag_records',
    help: 'Audit records written but not yet delivered to the sink (files, HTTP, stdout, WorkOS mirror)',
    labelNames: ['sink'] as const,
    registers,
    async collect() {
      for (const sink of (await sources.auditSinks?.().catch(() => null)) ?? [])
        if (sink.lag !== null) this.set({ sink: sink.name }, sink.lag);
    },
  });
  new Gauge({
    name: 'bollard_audit_sink_failing_attempts',
    help: 'Failed delivery attempts to the sink since its last success (0 while it delivers)',
    labelNames: ['sink'] as const,
    registers,
    async collect() {
      for (const sink of (await sources.auditSinks?.().catch(() => null)) ?? [])
        this.set({ sink: sink.name }, sink.failures);
    },
  });

  const inbound = new CounterMetric({
    name: 'bollard_webhook_inbound_total',
    help: 'Webhook requests from WorkOS: verified (stored or duplicate) or refused, by reason',
    labelNames: ['result', 'reason'] as const,
    registers,
  });
  const attempts = new CounterMetric({
    name: 'bollard_webhook_delivery_attempts_total',
    help: "Delivery attempts to agents' endpoints by result",
    labelNames: ['result'] as const,
    registers,
  });
  // One grouped query per scrape feeds both outbox gauges; a failing store leaves the last values.
  const readDeliveries = sharedPerScrape(sources.webhookDeliveries);
  new Gauge({
    name: 'bollard_webhook_deliveries',
    help: 'Webhook deliveries in the outbox by state',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const stats = await readDeliveries();
      if (!stats) return;
      for (const state of DELIVERY_STATES) this.set({ state }, stats.counts[state] ?? 0);
    },
  });
  new Gauge({
    name: 'bollard_webhook_oldest_pending_age_seconds',
    help: 'Age of the oldest pending webhook delivery (0 when none is pending)',
    registers,
    async collect() {
      const stats = await readDeliveries();
      if (!stats) return;
      const oldest = stats.oldestPendingAt ? Date.parse(stats.oldestPendingAt) : null;
      this.set(oldest === null ? 0 : Math.max(0, (now() - oldest) / 1000));
    },
  });

  new Gauge({
    name: 'bollard_ready',
    help: '1 while ready as /readyz says (store writable, breaker not open, policy loaded)',
    registers,
    async collect() {
      this.set(sources.ready && !(await sources.ready()) ? 0 : 1);
    },
  });
  const propagation = new Histogram({
    name: 'bollard_change_propagation_seconds',
    help: 'Delay from a change to agents, grants or tokens on one replica to its notification here',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  const allowTime = ownTime.labels('allow');
  const denyTime = ownTime.labels('deny');

  return {
    registry,
    call(record, timings) {
      const agent = record.agentName ?? ANONYMOUS;
      const decision = record.decision ?? 'deny';
      const reason = record.reason ?? 'none';
      const status = record.status ?? 0;
      callTally.add(
        `${agent}\u0000${record.endpointId}\u0000${decision}\u0000${reason}\u0000${status}`,
        () => ({
          agent,
          area: record.area ?? 'none',
          access: record.access ?? 'none',
          decision,
          reason,
          status: String(status),
        }),
      );
      const upstream = timings.upstreamSeconds;
      (decision === 'allow' ? allowTime : denyTime).observe(
        Math.max(0, timings.totalSeconds - (upstream ?? 0)),
      );
      if (timings.waitSeconds !== null) waitTime.observe(timings.waitSeconds);
      if (decision === 'deny') {
        const permission = record.permission ?? 'none';
        denialTally.add(`${agent}\u0000${permission}`, () => ({ agent, permission }));
        if (record.rule?.startsWith('ratelimit:')) refusals.labels(reason).inc();
        return;
      }
      if (upstream !== null) upstreamTime.observe(upstream);
      const error = typeof record.details?.error === 'string' ? record.details.error : null;
      if (error === 'circuit_open') shortCircuits.labels(record.area ?? 'none').inc();
      else if (error?.endsWith('_timeout')) upstreamTimeouts.labels(error.slice(0, -'_timeout'.length)).inc();
      const upstreamClass =
        record.upstreamStatus === null ? 'error' : `${Math.floor(record.upstreamStatus / 100)}xx`;
      if (error !== 'circuit_open') classTally.add(upstreamClass, () => ({ class: upstreamClass }));
    },
    waiting(delta) {
      waitingGauge.inc(delta);
    },
    upstreamRetry() {
      upstreamRetries.inc();
    },
    auditCommit(rows, seconds, headSeq) {
      commitTime.observe(seconds);
      commitRows.observe(rows);
      if (headSeq !== null) chainHead.set(headSeq);
    },
    auditFailure(rows) {
      auditFailures.inc();
      auditFailedRows.inc(rows);
    },
    webhook(record) {
      if (record.kind !== 'webhook') return;
      const reason = record.reason ?? 'none';
      if (record.path === WEBHOOK_INBOUND_PATH && record.method === 'POST') {
        const verified = reason === 'received' || reason === 'duplicate';
        inbound.labels(verified ? 'verified' : 'refused', reason).inc();
      } else if (record.details && 'deliveryId' in record.details) {
        const result = ['delivered', 'failed', 'dead'].includes(reason) ? reason : 'denied';
        attempts.labels(result).inc();
      }
    },
    changePropagated(seconds) {
      propagation.observe(Math.max(0, seconds));
    },
  };
}
