// Microbenchmark: `tools/list` over real HTTP (POST /mcp, stateless) for an agent holding every grant,
// with the full tool set (every endpoint a tool: the largest list there is), and the tool-list build
// itself cold and cached. Reports figures; never passes or fails on time. Run: npx tsx bench/mcp.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp, listen } from '../src/app/index.js';
import { endpoints } from '../src/catalog/index.js';
import { loadConfig } from '../src/config/index.js';
import { toolsFor } from '../src/mcp/index.js';

const REQUESTS = 400;
const WARM_UP = 50;

const dataDir = mkdtempSync(join(tmpdir(), 'bollard-bench-mcp-'));
const config = loadConfig(
  { dataDir, port: 0, adminPort: 0, logLevel: 'warn', auditSynchronous: 'normal', mcpTools: 'full' },
  {},
);
const app = await createApp(config, {
  logger: pino({ level: 'warn' }),
  upstream: { url: 'http://127.0.0.1:9', apiKey: 'sk_test_bench_unused' },
});
try {
  const grants = [...new Set(endpoints.map((e) => `${e.area}:write`))];
  const { token } = await app.agents.create({ name: 'everything', grants }, { kind: 'admin', name: 'bench' });
  const url = await listen(app.proxy, 0, '127.0.0.1');
  // Server-side time, from the request event to the last byte handed to the socket: the client (fetch
  // reading 290 KB in this same process) is not Bollard's cost.
  const serverTimes: number[] = [];
  app.proxy.prependListener('request', (_req, res) => {
    const t0 = performance.now();
    res.once('finish', () => serverTimes.push(performance.now() - t0));
  });

  const agentGrants = Object.fromEntries(grants.map((g) => [g.split(':')[0], 'write' as const]));
  let started = performance.now();
  const cold = toolsFor(agentGrants, 'compact'); // a mode the server has not built yet: a cold build
  const coldMs = performance.now() - started;
  started = performance.now();
  for (let i = 0; i < 10_000; i++) toolsFor(agentGrants, 'compact');
  const cachedUs = ((performance.now() - started) / 10_000) * 1000;

  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const times: number[] = [];
  let tools = 0;
  let bytes = 0;
  for (let i = 0; i < WARM_UP + REQUESTS; i++) {
    const t0 = performance.now();
    const response = await fetch(`${url}/mcp`, { method: 'POST', headers, body });
    const text = await response.text();
    const elapsed = performance.now() - t0;
    if (i === 0) {
      tools = (JSON.parse(text) as { result: { tools: unknown[] } }).result.tools.length;
      bytes = text.length;
    }
    if (i >= WARM_UP) times.push(elapsed);
  }
  const quantiles = (values: number[]) => {
    const sorted = values.slice(-REQUESTS).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
    return `p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms`;
  };
  console.log(
    `tools/list over HTTP, every grant, full set (${tools} tools, ${(bytes / 1024).toFixed(0)} KB), ${REQUESTS} sequential requests:\n` +
      `  in Bollard ${quantiles(serverTimes)}\n  round trip ${quantiles(times)}`,
  );
  console.log(
    `tool-list build for a grant set: cold ${coldMs.toFixed(2)} ms (${cold.tools.length} tools), cached ${cachedUs.toFixed(2)} µs`,
  );
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
