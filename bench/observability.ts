// Microbenchmark: what watching one call costs — the observer's begin/stages/end with metrics on and
// off, the per-call log line at info, and tracing with an exporter that drops spans. Reports figures;
// never passes or fails on time. Run: npx tsx bench/observability.ts
import type { IncomingMessage } from 'node:http';
import pino from 'pino';
import type { CallObserver } from '../src/gateway/index.js';
import { createCallObserver, createMetrics, type SpanExporter } from '../src/observability/index.js';
import type { AuditDraft } from '../src/store/types.js';

const CALLS = 200_000;
const ROUNDS = 7;

const record = {
  kind: 'outcome',
  agentName: 'bench',
  endpointId: 'organizations.list',
  area: 'organizations',
  access: 'read',
  permission: 'organizations:read',
  decision: 'allow',
  reason: 'granted',
  rule: 'grants:organizations:read',
  method: 'GET',
  path: '/organizations',
  status: 200,
  upstreamStatus: 200,
  details: {},
} as unknown as AuditDraft;
const req = { headers: {} } as unknown as IncomingMessage;
const traced = {
  headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
} as unknown as IncomingMessage;
const dropping: SpanExporter = { export() {}, flush: async () => {}, close: async () => {} };
const silent = pino({ level: 'warn' });
const toNowhere = pino({ level: 'info' }, { write() {} });

/** One call as the pipeline reports it: five stages, then the outcome. */
function observeCalls(observer: CallObserver, request: IncomingMessage, calls: number): number {
  const started = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const o = observer.begin('req_bench', request);
    for (const stage of ['authenticate', 'authorize', 'limit_wait', 'audit_commit', 'upstream_call'] as const)
      o.stage(stage, o.clock());
    o.ended(record);
  }
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / calls; // CPU ns: less disturbed by a busy machine than wall time
}

const cases: Array<[string, CallObserver, IncomingMessage]> = [
  [
    'metrics off, log at warn (floor)',
    createCallObserver({ metrics: null, exporter: null, logger: silent }),
    req,
  ],
  [
    'metrics on, log at warn',
    createCallObserver({ metrics: createMetrics(), exporter: null, logger: silent }),
    req,
  ],
  [
    'metrics on, log line at info',
    createCallObserver({ metrics: createMetrics(), exporter: null, logger: toNowhere }),
    req,
  ],
  [
    'metrics on, traceparent continued',
    createCallObserver({ metrics: createMetrics(), exporter: null, logger: silent }),
    traced,
  ],
  [
    'metrics on, 6 spans exported',
    createCallObserver({ metrics: createMetrics(), exporter: dropping, logger: silent }),
    traced,
  ],
];
for (const [, observer, request] of cases) observeCalls(observer, request, 20_000); // warm up
console.log(
  `observer CPU time per call (${CALLS.toLocaleString('en-US')} calls, best and median of ${ROUNDS} rounds)`,
);
for (const [name, observer, request] of cases) {
  const rounds = Array.from({ length: ROUNDS }, () => observeCalls(observer, request, CALLS)).sort(
    (a, b) => a - b,
  );
  const best = rounds[0] ?? 0;
  const median = rounds[Math.floor(ROUNDS / 2)] ?? 0;
  console.log(
    `  ${name.padEnd(36)} ${(best / 1000).toFixed(2)} µs best, ${(median / 1000).toFixed(2)} µs median`,
  );
}
