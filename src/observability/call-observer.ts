import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { CallObservation, CallObserver, CallStage } from '../gateway/observe.js';
import type { AuditDraft } from '../store/types.js';
import { ANONYMOUS, type BollardMetrics } from './metrics.js';
import type { SpanData, SpanExporter } from './otlp-exporter.js';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from './trace-context.js';

export interface CallObserverParts {
  /** Absent when metrics are off. */
  metrics: BollardMetrics | null;
  /** Absent when tracing is off (no OTEL_EXPORTER_OTLP_ENDPOINT): no span is then built at all. */
  exporter: SpanExporter | null;
  /** One info line per call goes here. */
  logger: Logger;
}

const STAGE_KIND = { upstream_call: 'client' } as Partial<Record<CallStage, 'client'>>;

/**
 * The observer the gateway reports each call to: metrics, one structured log line, and spans when
 * an OTLP endpoint is set. An agent's `traceparent` is always continued upstream (a cheap string),
 * even with export off, so WorkOS-side logs still join the agent's trace.
 */
export function createCallObserver(parts: CallObserverParts): CallObserver {
  return {
    begin(requestId, req) {
      return new Observation(parts, requestId, req);
    },
  };
}

class Observation implements CallObservation {
  readonly traceparent: string | null = null;
  private readonly startedAt = performance.now();
  private upstreamMs: number | null = null;
  private waitMs: number | null = null;
  private waitedSince: number | null = null;
  private done = false;
  private readonly traceId: string | null = null;
  private readonly parentSpanId: string | null = null;
  private readonly rootSpanId: string | null = null;
  private readonly upstreamSpanId: string | null = null;
  private readonly spans: SpanData[] | null = null;

  constructor(
    private readonly parts: CallObserverParts,
    private readonly requestId: string,
    req: IncomingMessage,
  ) {
    const incoming = parseTraceparent(req.headers.traceparent);
    // An agent that marked its trace not sampled (flags bit 0 clear) gets it continued but not recorded.
    const sampled = !incoming || (Number.parseInt(incoming.flags, 16) & 1) === 1;
    if (parts.exporter && sampled) {
      this.traceId = incoming?.traceId ?? newTraceId();
      this.parentSpanId = incoming?.parentSpanId ?? null;
      this.rootSpanId = newSpanId();
      this.upstreamSpanId = newSpanId();
      this.spans = [];
      this.traceparent = formatTraceparent(this.traceId, this.upstreamSpanId, incoming?.flags ?? '01');
    } else if (incoming) {
      this.traceId = incoming.traceId;
      this.traceparent = formatTraceparent(incoming.traceId, newSpanId(), incoming.flags);
    }
  }

  clock(): number {
    return performance.now();
  }

  stage(name: CallStage, startedAt: number, failed = false): void {
    const endedAt = performance.now();
    if (name === 'upstream_call') this.upstreamMs = (this.upstreamMs ?? 0) + (endedAt - startedAt);
    if (!this.spans || !this.traceId) return;
    this.spans.push({
      traceId: this.traceId,
      // The upstream span's id is the parent named in the traceparent sent to WorkOS.
      spanId: name === 'upstream_call' ? this.upstreamSpanId! : newSpanId(),
      parentSpanId: this.rootSpanId,
      name,
      kind: STAGE_KIND[name] ?? 'internal',
      startMs: performance.timeOrigin + startedAt,
      endMs: performance.timeOrigin + endedAt,
      attributes: {},
      error: failed,
    });
  }

  // An arrow property: the limiter is handed `observation.waiting` on its own.
  readonly waiting = (delta: 1 | -1): void => {
    this.parts.metrics?.waiting(delta);
    if (delta === 1) this.waitedSince = performance.now();
    else if (this.waitedSince !== null) this.waitMs = performance.now() - this.waitedSince;
  };

  retried(): void {
    this.parts.metrics?.upstreamRetry();
  }

  ended(call: AuditDraft, outcome?: AuditDraft): void {
    if (this.done) return;
    this.done = true;
    const record = outcome
      ? { ...call, status: outcome.status, upstreamStatus: outcome.upstreamStatus, details: outcome.details }
      : call;
    const endedAt = performance.now();
    const totalMs = endedAt - this.startedAt;
    this.parts.metrics?.call(record, {
      totalSeconds: totalMs / 1000,
      upstreamSeconds: this.upstreamMs === null ? null : this.upstreamMs / 1000,
      waitSeconds: this.waitMs === null ? null : this.waitMs / 1000,
    });
    const { logger } = this.parts;
    if (logger.isLevelEnabled('info')) {
      logger.info(
        {
          requestId: this.requestId,
          agent: record.agentName ?? ANONYMOUS,
          endpoint: record.endpointId,
          // The path only when no endpoint matched: never the query string, which may carry codes.
          path: record.endpointId ? undefined : record.path,
          decision: record.decision,
          reason: record.reason,
          status: record.status,
          ms: round(totalMs),
          upstreamMs: this.upstreamMs === null ? undefined : round(this.upstreamMs),
          waitMs: this.waitMs === null ? undefined : round(this.waitMs),
          traceId: this.traceId ?? undefined,
        },
        'call',
      );
    }
    if (this.spans && this.traceId && this.parts.exporter) {
      const exporter = this.parts.exporter;
      exporter.export({
        traceId: this.traceId,
        spanId: this.rootSpanId!,
        parentSpanId: this.parentSpanId,
        name: 'bollard.call',
        kind: 'server',
        startMs: performance.timeOrigin + this.startedAt,
        endMs: performance.timeOrigin + endedAt,
        attributes: {
          'bollard.request_id': this.requestId,
          'bollard.agent': record.agentName ?? ANONYMOUS,
          'bollard.endpoint': record.endpointId,
          'bollard.decision': record.decision,
          'bollard.reason': record.reason,
          'http.request.method': record.method,
          'http.response.status_code': record.status,
        },
        error: (record.status ?? 0) >= 500,
      });
      for (const span of this.spans) exporter.export(span);
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
