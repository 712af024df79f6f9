import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { RESTAMP_SCRIPT, TAKE_SCRIPT } from './redis-take-script.js';
import {
  fairShareKeys,
  type TakePlan,
  type TakeResult,
  type Ticket,
  type WindowStore,
} from './window-store.js';

/** ioredis (one node or a cluster) with the take script defined as a command. */
type ScriptedRedis = (Redis | Cluster) & {
  bollardTake(keyCount: number, ...keysAndArgs: (string | number)[]): Promise<(number | string)[]>;
};

export interface RedisStoreOptions {
  /** `redis://host:port`, or for a cluster its seed nodes: `redis://host1:port1,host2:port2`. */
  url: string;
  keyPrefix: string;
  /** Redis Cluster: every key of a decision carries one hash tag, so each script runs on one node. */
  cluster?: boolean;
  /** How long a command may take before the call falls back to local limits. */
  commandTimeoutMs?: number; // 250 ms
}

/** A changed set of active agents is learnt from the reply; a take asks again at most this often. */
const MAX_DECLARE_ATTEMPTS = 5;
/** Agents declared to one take (Bollard has tens of agents; the bound keeps a script call finite). */
const MAX_DECLARED_AGENTS = 1000;

/** `redis://a:1,b:2` → the cluster's seed nodes. */
function seedNodes(url: string): Array<{ host: string; port: number }> {
  const hosts =
    url
      .replace(/^rediss?:\/\//, '')
      .replace(/^[^@]*@/, '')
      .split('/')[0] ?? '';
  return hosts.split(',').map((hostPort) => {
    const at = hostPort.lastIndexOf(':');
    return at < 0
      ? { host: hostPort, port: 6379 }
      : { host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) || 6379 };
  });
}

/** The user and password of a seed-list URL, for every node. */
function credentials(url: string): { username?: string; password?: string } {
  const auth = /^rediss?:\/\/([^@/]*)@/.exec(url)?.[1];
  if (!auth) return {};
  const [username = '', password] = auth.split(':').map(decodeURIComponent);
  return password === undefined ? { password: username } : { username: username || undefined, password };
}

/** One entry a replica took locally while Redis was away, to be told to Redis when it is back. */
export interface LocalEntry {
  keys: string[];
  windowMs: number[];
  member: string;
  /** Epoch ms when it was taken. */
  at: number;
}

/** A Redis store also says whether it can be asked right now, so the caller can fall back without waiting. */
export interface RedisWindowStore extends WindowStore {
  ready(): Promise<boolean>;
  /** Adds entries taken elsewhere (locally, during an outage) to the shared logs, at the time they were taken. */
  reconcile(entries: readonly LocalEntry[]): Promise<void>;
}

/**
 * Sliding logs in Redis sorted sets, shared by every Bollard process on the same Redis.
 * Commands fail at once while disconnected (no offline queue), so an outage costs no latency.
 */
export function createRedisStore(options: RedisStoreOptions): RedisWindowStore {
  const nodeOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: 1000,
    // Keep reconnecting, at most a second apart, so limits go back to Redis soon after it returns.
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
  };
  const client = (
    options.cluster
      ? new Cluster(seedNodes(options.url), {
          enableOfflineQueue: false,
          clusterRetryStrategy: (times: number) => Math.min(times * 100, 1000),
          // A moved slot after a failover is followed at once; a node that is down is not waited on.
          retryDelayOnFailover: 100,
          retryDelayOnClusterDown: 100,
          redisOptions: { ...nodeOptions, ...credentials(options.url) },
        })
      : new Redis(options.url, nodeOptions)
  ) as ScriptedRedis;
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
  // One hash tag for every key: each decision's keys (its buckets and the shared pool every call takes
  // from) must sit in one slot for the script to run on Redis Cluster. On a single Redis it changes nothing.
  const tag = `{${options.keyPrefix.replace(/[{}]/g, '')}}`;
  const prefixed = (key: string) => tag + key;
  /** The agents last seen active per pool: their logs are declared to the script (see TAKE_SCRIPT). */
  const activeAgents = new Map<string, string[]>();

  async function take(plan: TakePlan): Promise<TakeResult> {
    const member = `${processTag}:${++sequence}`;
    for (let attempt = 0; ; attempt++) {
      const reply = await takeOnce(plan, member);
      if (Number(reply[0]) !== 4) return takeResult(reply, member, plan);
      // Another agent became active since we looked: declare its log too, and ask again.
      if (attempt >= MAX_DECLARE_ATTEMPTS) throw new Error('the active agents kept changing; take abandoned');
      activeAgents.set(
        plan.fairShare?.poolKey ?? '',
        reply.slice(1).map(String).slice(0, MAX_DECLARED_AGENTS),
      );
    }
  }

  function takeOnce(plan: TakePlan, member: string): Promise<(number | string)[]> {
    const keys = plan.buckets.map((b) => prefixed(b.key));
    const args: (string | number)[] = [plan.buckets.length, member];
    for (const bucket of plan.buckets) args.push(bucket.limit, bucket.windowMs);
    const fair = plan.fairShare;
    if (fair) {
      const names = fairShareKeys(prefixed(fair.poolKey), fair.agentId);
      keys.push(prefixed(fair.poolKey), names.active, names.weights, names.agent);
      const others = (activeAgents.get(fair.poolKey) ?? []).filter((id) => id !== fair.agentId);
      args.push(names.agentPrefix, fair.agentId, fair.weight, fair.budget, fair.windowMs, fair.headroom);
      args.push(others.length, ...others);
      for (const id of others) keys.push(names.agentPrefix + id);
    }
    return client.bollardTake(keys.length, ...keys, ...args);
  }

  function takeResult(reply: (number | string)[], member: string, plan: TakePlan): TakeResult {
    switch (Number(reply[0])) {
      case 0: {
        const written = plan.buckets.map((b) => prefixed(b.key));
        const fair = plan.fairShare;
        if (fair)
          written.push(prefixed(fair.poolKey), fairShareKeys(prefixed(fair.poolKey), fair.agentId).agent);
        return { ok: true, ticket: { member, keys: written }, shared: reply.slice(1).map(Number) };
      }
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

  async function reconcile(entries: readonly LocalEntry[]): Promise<void> {
    const multi = client.multi();
    for (const entry of entries) {
      entry.keys.forEach((key, i) => {
        multi.zadd(prefixed(key), 'NX', entry.at, `${processTag}:local:${entry.member}`);
        multi.pexpire(prefixed(key), entry.windowMs[i] ?? 0);
      });
    }
    await multi.exec();
  }

  return {
    take,
    release,
    restamp,
    reconcile,
    // Before the first connection, wait for it (bounded); afterwards answer from the connection state at once.
    ready: async () => isReady() || ((await firstReady) && isReady()),
    close: async () => {
      client.disconnect();
    },
  };
}
