import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { untilTrue } from './eventually.js';

const run = promisify(execFile);
const until = (check: () => Promise<boolean>, what: string) => untilTrue(check, `Redis Cluster: ${what}`);

/** A real Redis Cluster on loopback: `masters` masters, each with `replicasPerMaster` replicas. */
export interface RedisCluster {
  /** `host:port` of every node, masters first. */
  nodes: string[];
  /** A seed-node URL list for Bollard: `redis://127.0.0.1:P1,127.0.0.1:P2,…`. */
  url: string;
  /** The node (`host:port`) serving the slot of `key` now. */
  masterOf(key: string): Promise<string>;
  /** Promotes a replica of the master serving `key` (CLUSTER FAILOVER FORCE) and waits until it serves the slot. */
  failover(key: string): Promise<{ from: string; to: string }>;
  close(): Promise<void>;
}

/** Two free ports `p` and `p + 10000` (the cluster bus), as the OS sees them now. */
async function freePortPair(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if ((await free(port)) && (await free(port + 10_000))) return port;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}

/**
 * Starts Debian's `redis-server` in cluster mode on free loopback ports (no persistence, files in a temp
 * directory), joins the nodes with `redis-cli --cluster create`, and waits until every node says the cluster
 * is ok. `close()` stops every process it started and removes the directory.
 */
export async function startRedisCluster(
  options: { masters?: number; replicasPerMaster?: number } = {},
): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'bollard-redis-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const close = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePortPair();
      ports.push(port);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          path.join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          // Each node its own file (they share the directory), and replicas sync without waiting on a disk.
          '--dbfilename',
          `dump-${port}.rdb`,
          '--repl-diskless-sync',
          'yes',
          '--repl-diskless-sync-delay',
          '0',
          '--logfile',
          path.join(dir, `redis-${port}.log`),
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
      await until(async () => (await cli(port, 'ping')).trim() === 'PONG', `node ${port} answering`);
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes,
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    for (const port of ports)
      await until(
        async () => (await cli(port, 'cluster', 'info')).includes('cluster_state:ok'),
        `node ${port} ok`,
      );
    for (const port of ports.slice(masters))
      await until(
        async () => (await cli(port, 'info', 'replication')).includes('master_link_status:up'),
        `replica ${port} in sync`,
      );
    const masterOf = async (key: string) => {
      const slot = (await cli(ports[0]!, 'cluster', 'keyslot', key)).trim();
      const out = await cli(ports[0]!, 'cluster', 'nodes');
      for (const line of out.trim().split('\n')) {
        const [, address = '', flags = '', , , , , , ...ranges] = line.split(' ');
        if (!flags.includes('master')) continue;
        for (const range of ranges) {
          const [from, to = from] = range.split('-').map(Number);
          if (Number(slot) >= from! && Number(slot) <= to!) return address.split('@')[0]!;
        }
      }
      throw new Error(`no master serves slot ${slot}`);
    };
    return {
      nodes,
      url: `redis://${nodes.join(',')}`,
      masterOf,
      async failover(key) {
        const from = await masterOf(key);
        const fromPort = Number(from.split(':')[1]);
        const id = (await cli(fromPort, 'cluster', 'myid')).trim();
        const replica = (await cli(fromPort, 'cluster', 'replicas', id)).trim().split('\n')[0]?.split(' ')[1];
        if (!replica) throw new Error(`${from} has no replica to fail over to`);
        const to = replica.split('@')[0]!;
        await cli(Number(to.split(':')[1]), 'cluster', 'failover', 'force');
        await until(async () => (await masterOf(key)) === to, `failover of ${from} to ${to}`);
        return { from, to };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
