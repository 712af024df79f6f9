import type { IncomingMessage } from 'node:http';
import type { AuditDraft } from '../store/types.js';

/** The stages of a call that are timed (and traced, when tracing is on). */
export type CallStage = 'authenticate' | 'authorize' | 'limit_wait' | 'audit_commit' | 'upstream_call';

/**
 * What the pipeline tells the outside about one call: metrics, the call's log line and its trace are
 * built from these few notes, so the pipeline knows nothing of Prometheus, pino or OpenTelemetry.
 * @example
 *   const t = observation.clock();
 *   const auth = await authenticate(…);
 *   observation.stage('authenticate', t);
 */
export interface CallObservation {
  /** The `traceparent` to send upstream (a child of the agent's), or null to send none of Bollard's own. */
  readonly traceparent: string | null;
  /** A monotonic clock in milliseconds, for stage start times. */
  clock(): number;
  /** Ends a stage that started at `startedAt` (from `clock()`). */
  stage(name: CallStage, startedAt: number, failed?: boolean): void;
  /** The call starts (+1) or stops (-1) waiting for a WorkOS rate limit to have room. */
  waiting(delta: 1 | -1): void;
  /** Bollard retried the upstream call once (a connection that failed before a byte was sent). */
  retried(): void;
  /**
   * The call is answered: its record (a denial), or an allowed call's record and its outcome (outcome records
   * are slim: who and what stay on the call record). Only the first report counts.
   */
  ended(record: AuditDraft, outcome?: AuditDraft): void;
}

/** Starts an observation per call. */
export interface CallObserver {
  begin(requestId: string, req: IncomingMessage): CallObservation;
}

const nothing = () => undefined;

/** For a gateway built without an observer (benchmarks of the bare pipeline, unit tests). */
export const UNOBSERVED: CallObservation = {
  traceparent: null,
  clock: () => 0,
  stage: nothing,
  waiting: nothing,
  retried: nothing,
  ended: nothing,
};
