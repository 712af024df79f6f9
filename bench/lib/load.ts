import { createRequire } from 'node:module';

/** The slice of autocannon's programmatic API the benchmark uses (it ships no types). */
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  body?: string;
  pipelining: number;
}
interface AutocannonResult {
  errors: number;
  timeouts: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  stop(): void;
}
type Autocannon = (
  options: AutocannonOptions,
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** One load: what to send, how hard, how long. */
export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  connections: number;
  seconds: number;
  /** The status every answer should have (default: any 2xx). The denial flood expects 403. */
  expectStatus?: number;
}

/** Figures of one load. Latencies in ms, measured per response with sub-ms precision. */
export interface LoadFigures {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  /** Transport errors + timeouts + unexpected statuses: anything but 0 means the figures are suspect. */
  failures: number;
}

/**
 * Drives `spec` with autocannon. autocannon's own histogram keeps whole milliseconds, too coarse for a
 * 0.15 ms goal, so each response's time (autocannon's hrtime-based float) is kept and sorted here.
 */
export function runLoad(spec: LoadSpec): Promise<LoadFigures> {
  const latencies: number[] = [];
  const expected = (status: number) =>
    spec.expectStatus === undefined ? status >= 200 && status < 300 : status === spec.expectStatus;
  let unexpected = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.seconds,
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        pipelining: 1,
      },
      (error, result) => {
        if (error) return reject(error);
        const seconds = (performance.now() - started) / 1000;
        latencies.sort((a, b) => a - b);
        resolve({
          requests: latencies.length,
          seconds,
          rps: latencies.length / seconds,
          p50: percentile(latencies, 0.5),
          p90: percentile(latencies, 0.9),
          p99: percentile(latencies, 0.99),
          failures: result.errors + result.timeouts + unexpected,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (expected(status)) latencies.push(ms);
      else unexpected++;
    });
  });
}

/** Nearest-rank percentile of sorted values; 0 for none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}
