/**
 * The audit sinks thread (see `startAuditSinksThread`): opens its own store connection and runs every sink
 * from its cursor. Never started directly.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { openStore } from '../store/index.js';
import { startAuditSinks } from './index.js';
import type { FromSinksThread, SinksThreadData, ToSinksThread } from './sinks-thread.js';

const data = workerData as SinksThreadData;
const port = parentPort;
if (!port) throw new Error('sinks-worker runs as a worker thread only');
const send = (message: FromSinksThread) => port.postMessage(message);

const logger = pino({ level: data.logLevel, base: { component: 'audit-sinks' } });
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

const sinks = startAuditSinks(data.specs, {
  store,
  logger,
  upstream: data.upstream,
  takeBudget,
  pollMs: data.pollMs,
});
const reporter = setInterval(() => send({ type: 'status', statuses: sinks.statuses() }), 250);

port.on('message', async (message: ToSinksThread) => {
  if (message.type === 'wake') sinks.committed(0);
  else if (message.type === 'budget') {
    waiting.get(message.id)?.(message.waitMs);
    waiting.delete(message.id);
  } else if (message.type === 'close') {
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
