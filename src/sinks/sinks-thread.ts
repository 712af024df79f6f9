import type { MessagePort, Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { SinkSpec } from '../config/index.js';
import { startModuleWorker } from '../runtime/module-worker.js';
import type { StoreConfig } from '../store/types.js';
import type { AuditSinks } from './index.js';
import type { SinkStatus } from './runner.js';

/** What the sinks thread starts from (structured-cloned into it). */
export interface SinksThreadData {
  specs: readonly SinkSpec[];
  store: StoreConfig;
  upstream: { url: string; apiKey: string };
  logLevel: string;
  pollMs?: number;
  /** The thread's nice value (see `lowerThreadPriority`); 0: the proxy's own priority. */
  nice: number;
  /** The mirror asks the main thread's limiter before each request. */
  limited: boolean;
}

/** Messages between the two threads. */
export type ToSinksThread =
  | { type: 'wake' }
  | { type: 'feed'; port: MessagePort }
  | { type: 'budget'; id: number; waitMs: number }
  | { type: 'close' };
export type FromSinksThread =
  | { type: 'status'; statuses: SinkStatus[] }
  | { type: 'feed-lost' }
  | { type: 'budget'; id: number; body: unknown }
  | { type: 'closed' };

export interface SinksThreadDeps {
  store: StoreConfig;
  upstream: { url: string; apiKey: string };
  logger: Logger;
  /** The main thread's limiter, as the mirror uses it (see `budgetFrom`). */
  takeBudget?: (body: unknown) => Promise<number>;
  pollMs?: number;
  /** The thread's nice value (default 10; 0: the proxy's own priority). */
  nice?: number;
  /**
   * A new commit feed from the store's writer (`Store.openCommitFeed`), asked for when the thread starts
   * and whenever its feed closes (the writer thread restarted); null where the store has none.
   */
  openFeed?: () => MessagePort | null;
}

/** The sinks thread's default nice value: well below the proxy, without starving it (weight 110 against 1,024). */
export const DEFAULT_SINKS_NICE = 10;
/** How long close() waits for the thread to finish its batch before stopping it. */
const CLOSE_TIMEOUT_MS = 10_000; // 10 seconds
/** Pause before a thread that died is started again. */
const RESTART_DELAY_MS = 1_000; // 1 second

/**
 * The sinks on a worker thread with their own store connection and HTTP client: reading records, encoding,
 * compressing and sending never take the proxy's main thread. With SQLite the writer thread hands the
 * thread each commit's records itself (`openFeed`); otherwise the main thread wakes it after a group commit
 * (coalesced). The main thread also answers the mirror's limiter questions and keeps the last statuses for
 * the metrics. A thread that dies is started again: the cursors are in the store, so nothing is lost.
 * @example const sinks = startAuditSinksThread(config.auditSinks, { store: storeConfig, upstream, logger });
 */
export function startAuditSinksThread(specs: readonly SinkSpec[], deps: SinksThreadDeps): AuditSinks {
  if (specs.length === 0) return { committed() {}, statuses: () => [], close: async () => {} };
  let statuses: SinkStatus[] = specs.map((spec) => ({
    name: spec.name,
    cursor: null,
    failures: 0,
    lastError: null,
    delivered: 0,
  }));
  let closing = false;
  let wakeScheduled = false;
  /** The thread has a commit feed: the writer's commits wake it, and this thread need not. */
  let fed = false;
  let worker: Worker;
  let closed: (() => void) | null = null;

  const start = (): void => {
    const data: SinksThreadData = {
      specs,
      store: deps.store,
      upstream: deps.upstream,
      logLevel: deps.logger.level,
      pollMs: deps.pollMs,
      nice: deps.nice ?? DEFAULT_SINKS_NICE,
      limited: deps.takeBudget !== undefined,
    };
    worker = startModuleWorker('./sinks-worker', import.meta.url, data);
    worker.unref();
    const feed = (to: Worker): void => {
      fed = false;
      if (closing) return;
      const port = deps.openFeed?.() ?? null;
      if (!port) return;
      to.postMessage({ type: 'feed', port } satisfies ToSinksThread, [port]);
      fed = true;
    };
    feed(worker);
    worker.on('message', (message: FromSinksThread) => {
      if (message.type === 'status') statuses = message.statuses;
      else if (message.type === 'feed-lost') feed(worker);
      else if (message.type === 'closed') closed?.();
      else if (message.type === 'budget') void answerBudget(worker, message.id, message.body);
    });
    worker.on('error', (error) => deps.logger.error({ err: error }, 'the audit sinks thread failed'));
    worker.on('exit', (code) => {
      closed?.();
      if (closing) return;
      deps.logger.error({ code }, 'the audit sinks thread stopped; starting it again');
      setTimeout(() => {
        if (!closing) start();
      }, RESTART_DELAY_MS).unref();
    });
  };

  const answerBudget = async (to: Worker, id: number, body: unknown): Promise<void> => {
    let waitMs = 1_000;
    try {
      waitMs = (await deps.takeBudget?.(body)) ?? 0;
    } catch (error) {
      deps.logger.warn({ err: error }, 'the limiter could not answer the WorkOS mirror; it waits a second');
    }
    to.postMessage({ type: 'budget', id, waitMs } satisfies ToSinksThread);
  };

  start();
  return {
    committed(headSeq) {
      if (headSeq === null || wakeScheduled || fed) return;
      // One wake per few milliseconds however many group commits: the thread reads everything new anyway.
      wakeScheduled = true;
      setTimeout(() => {
        wakeScheduled = false;
        worker.postMessage({ type: 'wake' } satisfies ToSinksThread);
      }, 5).unref();
    },
    statuses: () => statuses,
    async close() {
      closing = true;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void worker.terminate().then(() => resolve()), CLOSE_TIMEOUT_MS);
        closed = () => {
          clearTimeout(timer);
          resolve();
        };
        worker.postMessage({ type: 'close' } satisfies ToSinksThread);
      });
      await worker.terminate();
    },
  };
}
