/** Streaming the audit log out of the box: files, HTTP endpoints, stdout and WorkOS Audit Logs, each from its own durable cursor. */
import type { Logger } from 'pino';
import type { SinkSpec } from '../config/index.js';
import type { Store } from '../store/types.js';
import type { CommitFeed } from './commit-feed.js';
import { FileSink } from './file-sink.js';
import { HttpSink } from './http-sink.js';
import { SinkRunner, type SinkStatus } from './runner.js';
import type { AuditSink } from './sink.js';
import { StdoutSink } from './stdout-sink.js';
import { WorkosMirror } from './workos-mirror.js';

export { BATCH_HEADER, SIGNATURE_HEADER } from './http-sink.js';
export type { SinkStatus } from './runner.js';
export { startAuditSinksThread } from './sinks-thread.js';
export {
  ACTION_ALLOWED,
  ACTION_DENIED,
  ACTOR_TYPE,
  budgetFrom,
  eventFor,
  MIRROR_AGENT,
} from './workos-mirror.js';

export interface AuditSinksDeps {
  store: Pick<Store, 'queryAudit' | 'sinkCursors' | 'capabilities'>;
  logger?: Logger;
  /** WorkOS, for the mirror. */
  upstream: { url: string; apiKey: string };
  /** Bollard's limiter for the mirror's requests (see `budgetFrom`). */
  takeBudget?: (body: unknown) => Promise<number>;
  /** How often an idle sink looks for records other replicas wrote (default 1 s). */
  pollMs?: number;
  /** The writer's committed records, shared by every sink (SQLite); without it each reads the store. */
  feed?: CommitFeed;
}

/** The running sinks of one process. */
export interface AuditSinks {
  /** A group commit made the head `headSeq`: idle sinks look now. */
  committed(headSeq: number | null): void;
  statuses(): SinkStatus[];
  close(): Promise<void>;
}

function buildSink(spec: SinkSpec, deps: AuditSinksDeps): AuditSink {
  switch (spec.type) {
    case 'file':
      return new FileSink(spec);
    case 'http':
      return new HttpSink(spec);
    case 'stdout':
      return new StdoutSink(spec.name, spec.batchSize);
    case 'workos':
      return new WorkosMirror({
        ...spec,
        upstream: deps.upstream,
        takeBudget: deps.takeBudget,
        logger: deps.logger,
      });
  }
}

/**
 * Starts one runner per configured sink, in this thread (`startAuditSinksThread` runs them in a worker). They read the store by cursor and never hold a call: a sink that
 * is down falls behind (its lag is a metric) and catches up when it is back.
 * @example const sinks = startAuditSinks(config.auditSinks, { store, upstream, limiter, logger });
 */
export function startAuditSinks(specs: readonly SinkSpec[], deps: AuditSinksDeps): AuditSinks {
  const runners = specs.map(
    (spec) =>
      new SinkRunner(buildSink(spec, deps), {
        store: deps.store,
        logger: deps.logger,
        retryMinMs: spec.retryMinMs,
        retryMaxMs: spec.retryMaxMs,
        pollMs: deps.pollMs,
        feed: deps.feed,
      }),
  );
  for (const runner of runners) runner.start();
  return {
    committed(headSeq) {
      if (headSeq === null) return;
      for (const runner of runners) runner.wake();
    },
    statuses: () => runners.map((runner) => runner.status()),
    async close() {
      await Promise.all(runners.map((runner) => runner.close()));
    },
  };
}
