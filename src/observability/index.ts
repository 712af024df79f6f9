/** Metrics, probes, traces and the per-call log line: how Bollard is watched. */
export { type CallObserverParts, createCallObserver } from './call-observer.js';
export {
  createMetricsServer,
  LIVENESS_PATH,
  METRICS_PATH,
  probeRoutes,
  READINESS_PATH,
  renderMetrics,
} from './http-endpoints.js';
export {
  ANONYMOUS,
  type BollardMetrics,
  type CallTimings,
  createMetrics,
  type MetricsSources,
} from './metrics.js';
export { createOtlpExporter, type SpanData, type SpanExporter } from './otlp-exporter.js';
export { createReadiness, type Readiness, type ReadinessReport } from './readiness.js';
export { formatTraceparent, parseTraceparent, type TraceContext } from './trace-context.js';
