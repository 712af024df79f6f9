import type { CatalogEndpoint } from '../catalog/types.js';
import type { BollardError } from '../errors/index.js';
import type { AgentRecord } from '../store/types.js';

/** What the rate-limit stage is asked about a call. */
export interface LimitQuestion {
  endpoint: CatalogEndpoint;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  body: Record<string, unknown> | undefined;
  agent: AgentRecord | null;
}

/** The rate-limit stage: null lets the call pass; otherwise the 429 to answer and how to record it. */
export interface LimitGate {
  check(question: LimitQuestion): Promise<{ error: BollardError; reason: string; rule: string } | null>;
}

/** The circuit breaker around the upstream, as the pipeline uses it. */
export interface UpstreamGuard {
  /** null when a call may go; else the 503 to answer at once. */
  before(): BollardError | null;
  /** Reports how the call went: false for connection failures, timeouts and 5xx. */
  after(ok: boolean): void;
  /** Retry-After to add to an upstream 429/503 that came without one. */
  retryAfterSeconds(status: number): number;
}
