/**
 * The audit sinks thread (see `startAuditSinksThread`): opens its own store connection and runs every sink
 * from its cursor. Never started directly.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { lowerThreadPriority } from '../runtime/thread-priority.js';
import { openStore } from '../store/index.js';
import type { CommittedLines } from '../store/types.js';
import { CommitFeed } from './commit-feed.js';
import { startAuditSinks } from './index.js';
import type { FromSinksThread, SinksThreadData, ToSinksThread } from './sinks-thread.js';

const data = workerData as SinksThreadData;
const port = parentPort;
if (!port) throw new Error('sinks-worker runs as a worker thread only');
const send = (message: FromSinksThread) => port.postMessage(message);

const logger = pino({ level: data.logLevel, base: { component: 'audit-sinks' } });
// Streaming the log waits for the cores whenever the proxy's threads want them.
if (data.nice > 0 && (await lowerThreadPriority(data.nice)) === null)
  logger.debug('the audit sinks thread keeps the proxy priority (no per-thread nice here)');
const store = await openStore(data.store);

let nextId = 0;
const waiting = new Map<number, (waitMs: number) => void>();
const takeBudget = data.limited
  ? (body: unknown) =>
      new Promise<number>((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        send({ type: 'budget', id, body });
      })
  : undefined;

// The records the writer commits, as it commits them: sinks near the head never read them back.
const feed = new CommitFeed();
let closing = false;
/** How long after a feed closes (its writer thread stopped) a new one is asked for. */
const FEED_RETRY_MS = 1_000; // 1 second

const sinks = startAuditSinks(data.specs, {
  store,
  logger,
  upstream: data.upstream,
  takeBudget,
  pollMs: data.pollMs,
  feed,
});

function attachFeed(port: MessagePort): void {
  port.on('message', (groups: CommittedLines[]) => {
    for (const group of groups) feed.add(group);
    sinks.committed(0);
  });
  port.on('close', () => {
    if (closing) return;
    // Records committed meanwhile are read from the store; the next feed starts where the writer is.
    setTimeout(() => {
      if (!closing) send({ type: 'feed-lost' });
    }, FEED_RETRY_MS).unref();
  });
  // The feed never keeps this thread alive on its own.
  port.unref();
}
const reporter = setInterval(() => send({ type: 'status', statuses: sinks.statuses() }), 250);

port.on('message', async (message: ToSinksThread) => {
  if (message.type === 'wake') sinks.committed(0);
  else if (message.type === 'feed') attachFeed(message.port);
  else if (message.type === 'budget') {
    waiting.get(message.id)?.(message.waitMs);
    waiting.delete(message.id);
  } else if (message.type === 'close') {
    closing = true;
    clearInterval(reporter);
    // A mirror waiting for budget is let go without sending (NaN: closing).
    for (const resolve of waiting.values()) resolve(Number.NaN);
    await sinks.close();
    send({ type: 'status', statuses: sinks.statuses() });
    await store.close();
    send({ type: 'closed' });
    port.close();
  }
});
