/**
 * Bollard as the benchmark runs it: demo-free, in front of the fixed upstream, SQLite audit on (a fresh
 * data dir) or PostgreSQL (`--database-url`: a scratch database, dropped at exit), one agent with a real
 * token and real grants (organizations only). Run as a child of bench/run.ts:
 * `--upstream <url> [--synchronous full|normal] [--database-url <url>] [--metrics on|off] [--sinks on] [--fast-path on|off]` (`--sinks on`:
 * an HTTP sink posting to the upstream's `/sink` and the WorkOS Audit Logs mirror, every call under one
 * organization). Reports its audit sequence so the
 * parent can count rows/s, and its stage counters: the main thread's own CPU time (Linux: its entry in
 * /proc/self/task; elsewhere event-loop busy time, which counts waiting for a core too) and the time
 * spent handing audit drafts to the writer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createApp, listen } from '../src/app/index.js';
import { loadConfig } from '../src/config/index.js';
import { createScratchDatabase } from '../src/store/postgres/index.js';
import { flagValue } from './lib/args.js';
import { serveStats } from './lib/child-stats.js';

const args = process.argv.slice(2);
const upstream = flagValue(args, '--upstream');
if (!upstream) throw new Error('bollard-server needs --upstream <url>');
const synchronous = flagValue(args, '--synchronous') === 'normal' ? 'normal' : 'full';
const metrics = flagValue(args, '--metrics') === 'off' ? 'off' : 'on';
const sinks =
  flagValue(args, '--sinks') === 'on'
    ? [
        { type: 'http' as const, name: 'bench-http', url: `${upstream}/sink` },
        { type: 'workos' as const, organizationId: 'org_bench' },
      ]
    : [];
const fastPath = flagValue(args, '--fast-path') === 'off' ? 'off' : 'on';

const dataDir = mkdtempSync(join(tmpdir(), 'bollard-bench-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const postgresUrl = flagValue(args, '--database-url');
const scratch = postgresUrl ? await createScratchDatabase(postgresUrl) : null;

// Rate limiting stays on (its check is part of the cost) with a budget the load never reaches: the
// benchmark measures Bollard, not WorkOS's 6,000 requests a minute.
const config = loadConfig(
  {
    dataDir,
    port: 0,
    adminPort: 0,
    logLevel: 'warn',
    auditSynchronous: synchronous,
    metrics,
    fastPath,
    generalLimit: '1000000000/60',
    auditSinks: sinks,
    ...(scratch ? { databaseUrl: scratch.url } : {}),
  },
  {},
);
const app = await createApp(config, {
  logger: pino({ level: 'warn' }),
  upstream: { url: upstream, apiKey: 'sk_test_bench_upstream' },
});
const { token } = await app.agents.create(
  { name: 'bench', grants: ['organizations:write'] },
  { kind: 'admin', name: 'bench' },
);
/** CPU time of the main thread alone, in ms: utime + stime of /proc/self/task/<pid>/stat (clock ticks of 10 ms). */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return performance.eventLoopUtilization().active;
  }
}

// Stage counters: the synchronous part of each audit append (building nothing new: the writer's own
// append, timed), and the main thread's busy time. Two clock reads per append.
let auditHandOffMs = 0;
const append = app.audit.append.bind(app.audit);
app.audit.append = (draft, options) => {
  const start = performance.now();
  const written = append(draft, options);
  auditHandOffMs += performance.now() - start;
  return written;
};
async function sinkLag(): Promise<number> {
  const cursors = await app.store.sinkCursors.list();
  if (cursors.length === 0) return 0;
  return (await app.store.auditBounds()).lastSeq - Math.min(...cursors.map((c) => c.seq));
}
const url = await listen(app.proxy, 0, '127.0.0.1');
serveStats(
  { url, token, synchronous: scratch ? 'postgres' : synchronous },
  async () => ({
    auditSeq: (await app.store.auditBounds()).lastSeq,
    // How far the slowest sink is behind the head (0 without sinks).
    sinkLagRecords: await sinkLag(),
    mainBusyMs: mainThreadCpuMs(),
    auditHandOffMs,
  }),
  async () => {
    await app.close();
    await scratch?.drop();
  },
);
