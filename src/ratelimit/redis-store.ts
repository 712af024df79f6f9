import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RESTAMP_SCRIPT, TAKE_SCRIPT } from './redis-take-script.js';
import {
  fairShareKeys,
  type TakePlan,
  type TakeResult,
  type Ticket,
  type WindowStore,
} from './window-store.js';

/** ioredis with the take script defined as a command. */
type ScriptedRedis = Redis & {
  bollardTake(keyCount: number, ...keysAndArgs: (string | number)[]): Promise<(number | string)[]>;
};

export interface RedisStoreOptions {
  url: string;
  keyPrefix: string;
  /** How long a command may take before the call falls back to local limits. */
  commandTimeoutMs?: number; // 250 ms
}

/** A Redis store also says whether it can be asked right now, so the caller can fall back without waiting. */
export interface RedisWindowStore extends WindowStore {
  ready(): Promise<boolean>;
}

/**
 * Sliding logs in Redis sorted sets, shared by every Bollard process on the same Redis.
 * Commands fail at once while disconnected (no offline queue), so an outage costs no latency.
 */
export function createRedisStore(options: RedisStoreOptions): RedisWindowStore {
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: 1000,
    // Keep reconnecting, at most a second apart, so limits go back to Redis soon after it returns.
    retryStrategy: (times) => Math.min(times * 100, 1000),
  }) as ScriptedRedis;
  client.defineCommand('bollardTake', { lua: TAKE_SCRIPT });
  // Without a listener ioredis reports every reconnect failure as an unhandled 'error' event.
  client.on('error', () => {});
  const firstReady = new Promise<boolean>((resolve) => {
    client.once('ready', () => resolve(true));
    client.once('error', () => resolve(false));
    setTimeout(() => resolve(false), 1000).unref();
  });
  const isReady = () => client.status === 'ready';
  const processTag = randomBytes(6).toString('hex');
  let sequence = 0;
  const prefixed = (key: string) => options.keyPrefix + key;

  async function take(plan: TakePlan): Promise<TakeResult> {
    const member = `${processTag}:${++sequence}`;
    const keys = plan.buckets.map((b) => prefixed(b.key));
    /** The logs a successful take adds `member` to: the buckets, the pool and the agent's own log. */
    const written = [...keys];
    const args: (string | number)[] = [plan.buckets.length, member];
    for (const bucket of plan.buckets) args.push(bucket.limit, bucket.windowMs);
    const fair = plan.fairShare;
    if (fair) {
      const names = fairShareKeys(prefixed(fair.poolKey), fair.agentId);
      keys.push(prefixed(fair.poolKey), names.active, names.weights, names.agent);
      written.push(prefixed(fair.poolKey), names.agent);
      args.push(names.agentPrefix, fair.agentId, fair.weight, fair.budget, fair.windowMs, fair.headroom);
    }
    const reply = await client.bollardTake(keys.length, ...keys, ...args);
    switch (Number(reply[0])) {
      case 0:
        return { ok: true, ticket: { member, keys: written } };
      case 1:
        return { ok: false, refusedBy: 'bucket', index: Number(reply[1]), msBeforeNext: Number(reply[2]) };
      case 2:
        return { ok: false, refusedBy: 'pool', msBeforeNext: Number(reply[1]) };
      default:
        return { ok: false, refusedBy: 'share', msBeforeNext: Number(reply[1]), share: Number(reply[2]) };
    }
  }

  async function release(ticket: Ticket): Promise<void> {
    const multi = client.multi();
    for (const key of ticket.keys) multi.zrem(key, ticket.member);
    await multi.exec();
  }

  /** Re-scores the ticket's entries with Redis's clock (XX: an entry already expired stays gone). */
  async function restamp(ticket: Ticket): Promise<void> {
    await client.eval(RESTAMP_SCRIPT, ticket.keys.length, ...ticket.keys, ticket.member);
  }

  return {
    take,
    release,
    restamp,
    // Before the first connection, wait for it (bounded); afterwards answer from the connection state at once.
    ready: async () => isReady() || ((await firstReady) && isReady()),
    close: async () => {
      client.disconnect();
    },
  };
}
