import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import { untilTrue } from './eventually.js';

const run = promisify(execFile);
const until = (check: () => Promise<boolean>, what: string) => untilTrue(check, `PostgreSQL pair: ${what}`);

const VERSION = '15';

/** A PostgreSQL primary and a streaming standby on loopback, made with Debian's cluster tools. */
export interface PostgresPair {
  /** `postgres://postgres@127.0.0.1:P1,127.0.0.1:P2/postgres?target_session_attrs=read-write` */
  url: string;
  primaryPort: number;
  standbyPort: number;
  /** Stops the primary as a crash would (immediate) and promotes the standby; resolves once it takes writes. */
  failover(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 30_000 + Math.floor(Math.random() * 10_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port for a PostgreSQL cluster');
}

async function query(port: number, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Two clusters on spare loopback ports (the main 5432 cluster is not touched): a primary made with
 * `pg_createcluster` (trust auth on loopback), and a standby cloned from it with `pg_basebackup -R`
 * streaming from it. Replication is made synchronous once the standby streams, so a commit the primary
 * acknowledged is on the standby too: a failover loses nothing acknowledged. `close()` drops both.
 */
export async function startPostgresPair(): Promise<PostgresPair> {
  const tag = `bollard_fo_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const primary = `${tag}_p`;
  const standby = `${tag}_s`;
  const primaryPort = await freePort();
  const standbyPort = await freePort();
  const created: string[] = [];
  const close = async () => {
    for (const name of created) {
      await run('pg_dropcluster', ['--stop', VERSION, name]).catch(() => undefined);
      await run('rm', ['-rf', `/var/lib/postgresql/${VERSION}/${name}`]).catch(() => undefined);
    }
  };
  try {
    await run('pg_createcluster', [
      VERSION,
      primary,
      '-p',
      String(primaryPort),
      '--start',
      '--',
      '--auth=trust',
      '--no-sync',
    ]);
    created.push(primary);
    await until(async () => (await query(primaryPort, 'SELECT 1')).rowCount === 1, 'primary answering');
    // The standby: a cluster whose data directory is then replaced by a base backup of the primary.
    await run('pg_createcluster', [
      VERSION,
      standby,
      '-p',
      String(standbyPort),
      '--',
      '--auth=trust',
      '--no-sync',
    ]);
    created.push(standby);
    const dataDir = `/var/lib/postgresql/${VERSION}/${standby}`;
    await run('find', [dataDir, '-mindepth', '1', '-delete']); // pg_basebackup fills an empty directory
    await run('runuser', [
      '-u',
      'postgres',
      '--',
      'pg_basebackup',
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
      '--no-sync',
    ]);
    await run('pg_ctlcluster', [VERSION, standby, 'start']);
    await until(
      async () => (await query(primaryPort, 'SELECT 1 FROM pg_stat_replication')).rowCount === 1,
      'standby streaming',
    );
    await query(primaryPort, "ALTER SYSTEM SET synchronous_standby_names = '*'");
    await query(primaryPort, 'SELECT pg_reload_conf()');
    await until(
      async () =>
        (await query(primaryPort, "SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'")).rowCount ===
        1,
      'standby synchronous',
    );
    return {
      url: `postgres://postgres@127.0.0.1:${primaryPort},127.0.0.1:${standbyPort}/postgres?target_session_attrs=read-write`,
      primaryPort,
      standbyPort,
      async failover() {
        await run('pg_ctlcluster', [VERSION, primary, 'stop', '-m', 'immediate']);
        await run('pg_ctlcluster', [VERSION, standby, 'promote']);
        await until(
          async () => (await query(standbyPort, 'SELECT pg_is_in_recovery() AS r')).rows[0]?.r === false,
          'standby promoted',
        );
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
