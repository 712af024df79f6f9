import type { Logger } from 'pino';
import { request } from 'undici';

/** One finished span, as Bollard records it. Times are epoch milliseconds with sub-millisecond fractions. */
export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: 'server' | 'internal' | 'client';
  startMs: number;
  endMs: number;
  attributes: Record<string, string | number | boolean | null>;
  error?: boolean;
}

export interface SpanExporter {
  export(span: SpanData): void;
  /** Sends what is queued now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface OtlpExporterOptions {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL; spans go to `{endpoint}/v1/traces`. */
  endpoint: string;
  serviceName?: string;
  logger: Logger;
  /** Spans per request, and when a batch is sent at once (default 512). */
  maxBatch?: number;
  /** Longest a span waits to be sent (default 1,000 ms). */
  intervalMs?: number;
  /** Spans kept while the collector is slow; newer ones are dropped past it (default 4,096). */
  maxQueue?: number;
}

const KIND = { internal: 1, server: 2, client: 3 } as const;
const STATUS_ERROR = 2;

/**
 * OTLP/HTTP with JSON encoding (OpenTelemetry protocol spec, "OTLP/HTTP"), batched in memory and sent
 * off the request path. Export failures are logged once per streak and the batch dropped: tracing must
 * never slow or fail a call.
 */
export function createOtlpExporter(options: OtlpExporterOptions): SpanExporter {
  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const maxBatch = options.maxBatch ?? 512;
  const maxQueue = options.maxQueue ?? 4096;
  const resource = {
    attributes: [attribute('service.name', options.serviceName ?? 'bollard')],
  };
  let queue: SpanData[] = [];
  let sending: Promise<void> = Promise.resolve();
  let failing = false;
  const timer = setInterval(() => void flush(), options.intervalMs ?? 1000);
  timer.unref();

  async function send(batch: SpanData[]): Promise<void> {
    const body = JSON.stringify({
      resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'bollard' }, spans: batch.map(toOtlp) }] }],
    });
    try {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await response.body.dump();
      if (response.statusCode >= 300) throw new Error(`collector answered ${response.statusCode}`);
      failing = false;
    } catch (error) {
      if (!failing) options.logger.warn({ err: error, spans: batch.length }, 'trace export failed');
      failing = true;
    }
  }

  function flush(): Promise<void> {
    if (queue.length === 0) return sending;
    const batch = queue;
    queue = [];
    sending = sending.then(() => send(batch));
    return sending;
  }

  return {
    export(span) {
      if (queue.length >= maxQueue) return;
      queue.push(span);
      if (queue.length >= maxBatch) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

function toOtlp(span: SpanData) {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: KIND[span.kind],
    startTimeUnixNano: nanos(span.startMs),
    endTimeUnixNano: nanos(span.endMs),
    attributes: Object.entries(span.attributes)
      .filter(([, value]) => value !== null)
      .map(([key, value]) => attribute(key, value as string | number | boolean)),
    status: span.error ? { code: STATUS_ERROR } : {},
  };
}

/** Epoch ms (with a fraction) as the decimal string of nanoseconds that OTLP/JSON uses for 64-bit integers. */
function nanos(ms: number): string {
  const whole = Math.floor(ms);
  const fraction = Math.round((ms - whole) * 1e6);
  return `${BigInt(whole) * 1_000_000n + BigInt(fraction)}`;
}

function attribute(key: string, value: string | number | boolean) {
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  if (typeof value === 'number')
    return Number.isInteger(value)
      ? { key, value: { intValue: String(value) } }
      : { key, value: { doubleValue: value } };
  return { key, value: { stringValue: value } };
}
