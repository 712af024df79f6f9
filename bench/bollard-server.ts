/**
 * Bollard as the benchmark runs it: demo-free, in front of the fixed upstream, SQLite audit on (a fresh
 * data dir), one agent with a real token and real grants. Run as a child of bench/run.ts:
 * `--upstream <url> [--synchronous full|normal]`. Reports its audit sequence so the parent can count rows/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp, listen } from '../src/app/index.js';
import { loadConfig } from '../src/config/index.js';
import { flagValue } from './lib/args.js';
import { serveStats } from './lib/child-stats.js';

const args = process.argv.slice(2);
const upstream = flagValue(args, '--upstream');
if (!upstream) throw new Error('bollard-server needs --upstream <url>');
const synchronous = flagValue(args, '--synchronous') === 'normal' ? 'normal' : 'full';

const dataDir = mkdtempSync(join(tmpdir(), 'bollard-bench-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

// Rate limiting stays on (its check is part of the cost) with a budget the load never reaches: the
// benchmark measures Bollard, not WorkOS's 6,000 requests a minute.
const config = loadConfig(
  {
    dataDir,
    port: 0,
    adminPort: 0,
    logLevel: 'warn',
    auditSynchronous: synchronous,
    generalLimit: '1000000000/60',
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
const url = await listen(app.proxy, 0, '127.0.0.1');
serveStats({ url, token, synchronous }, async () => ({ auditSeq: (await app.store.auditBounds()).lastSeq }));
