import pg from 'pg';
import type { StoreChange } from '../types.js';

/** The channel `apply()` notifies on when agents or tokens change. */
export const CHANGES_CHANNEL = 'bollard_changes';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000; // 5 seconds

/**
 * LISTENs on a dedicated connection (a pooled one would be handed to other queries). When the
 * connection drops (database restart, network), it reconnects with backoff and then calls
 * `onChange` once: notifications sent while it was away are lost, so the caller must reload.
 * Rejects if the first connection fails; later failures only retry.
 */
export async function watchNotifications(
  config: pg.ClientConfig,
  onChange: (change?: StoreChange) => void,
  connections: { Client: typeof pg.Client; check(client: pg.ClientBase): Promise<void> } = {
    Client: pg.Client,
    check: async () => undefined,
  },
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let delay = FIRST_RETRY_MS;

  const connect = async (): Promise<pg.Client> => {
    const next = new connections.Client(config);
    next.on('notification', (message) => {
      if (message.channel !== CHANGES_CHANNEL) return;
      const sentAt = Number(message.payload);
      onChange({ sentAt: message.payload && Number.isFinite(sentAt) ? sentAt : null });
    });
    next.on('error', () => scheduleReconnect(next));
    next.on('end', () => scheduleReconnect(next));
    try {
      await next.connect();
      await connections.check(next);
      await next.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      next.removeAllListeners('end');
      await next.end().catch(() => undefined);
      throw error;
    }
    return next;
  };

  const scheduleReconnect = (lost: pg.Client): void => {
    if (stopped || lost !== client || timer) return;
    client = null;
    lost.end().catch(() => undefined);
    timer = setTimeout(async () => {
      timer = null;
      if (stopped) return;
      try {
        client = await connect();
        delay = FIRST_RETRY_MS;
        if (stopped) await client.end();
        else onChange();
      } catch {
        delay = Math.min(delay * 2, MAX_RETRY_MS);
        client = lost;
        scheduleReconnect(lost);
      }
    }, delay);
  };

  client = await connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const current = client;
    client = null;
    await current?.end().catch(() => undefined);
  };
}
