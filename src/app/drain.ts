import type { Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/** The proxy's calls in flight, so a drain knows when the last one has finished. */
export interface InFlightCalls {
  /** One call: its response, and the handling that ends once its outcome record is queued. */
  track(res: ServerResponse, handling: Promise<unknown>): void;
  count(): number;
  /** Resolves once no call is in flight (at once when none is). */
  idle(): Promise<void>;
  /** From now on every answer closes its connection: no keep-alive connection outlives the drain. */
  closeAfterAnswers(): void;
}

/**
 * Counts the calls the proxy is handling (Bollard's own routes and probes included). A call counts until
 * its handler has finished, not just its response: a call cut at the drain deadline still queues its
 * outcome record before the audit writer is closed.
 */
export function createInFlightCalls(): InFlightCalls {
  const open = new Set<ServerResponse>();
  let waiters: Array<() => void> = [];
  let closing = false;
  const endKeepAlive = (res: ServerResponse) => {
    if (!res.headersSent) res.shouldKeepAlive = false;
    else res.once('finish', () => res.socket?.end());
  };
  return {
    track(res, handling) {
      open.add(res);
      if (closing) endKeepAlive(res);
      const done = () => {
        open.delete(res);
        if (open.size > 0) return;
        for (const resolve of waiters) resolve();
        waiters = [];
      };
      handling.then(done, done);
    },
    count: () => open.size,
    idle: () => (open.size === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    closeAfterAnswers() {
      closing = true;
      for (const res of open) endKeepAlive(res);
    },
  };
}

export interface DrainOptions {
  /** How long readiness is false while calls are still taken (load balancers notice and stop sending). */
  graceMs: number;
  /** Then, how long calls in flight may take before their connections are closed. */
  timeoutMs: number;
  logger: Logger;
}

/**
 * A graceful stop of the proxy, in order: readiness false at once; after the grace, no new connections
 * (and every answer from then on closes its keep-alive connection); calls in flight finish, up to the
 * timeout, after which their connections are closed (their outcome records say so). The caller then
 * closes the app, which flushes the outcome records still queued.
 */
export async function drainProxy(
  proxy: Server,
  inFlight: InFlightCalls,
  hooks: { startDraining(): void },
  options: DrainOptions,
): Promise<{ unfinished: number }> {
  const { logger } = options;
  hooks.startDraining();
  logger.info(
    { graceMs: options.graceMs, inFlight: inFlight.count() },
    'draining: readiness is false; new connections are refused after the grace',
  );
  await sleep(options.graceMs);
  inFlight.closeAfterAnswers();
  const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
  proxy.closeIdleConnections();
  logger.info(
    { inFlight: inFlight.count(), timeoutMs: options.timeoutMs },
    'draining: waiting for calls in flight',
  );
  const finished = await Promise.race([
    inFlight.idle().then(() => true),
    sleep(options.timeoutMs).then(() => false),
  ]);
  const unfinished = finished ? 0 : inFlight.count();
  if (unfinished > 0) {
    logger.warn({ unfinished }, 'draining: calls still in flight at the deadline; closing their connections');
    proxy.closeAllConnections();
    // Cut calls record their outcome as they unwind; a handler that never settles does not hold the exit.
    await Promise.race([inFlight.idle(), sleep(UNWIND_MS)]);
  }
  await closed;
  return { unfinished };
}

/** How long calls cut at the deadline get to queue their outcome records. */
const UNWIND_MS = 2_000; // 2 seconds

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
