/**
 * `npm run bench`: what Bollard costs, side by side with calling the upstream directly and with a bare
 * undici pass-through (the floor). Each runs in its own process in front of one fixed-response upstream;
 * autocannon drives the read and the write at 1, 32 and 128 connections, rounds interleaved so drift
 * hits all alike; the read is also driven as an MCP `tools/call` against Bollard FULL at 1 and 32. Prints one table with the ratios and writes it as JSON to bench/results/.
 *
 * Two more cells at 32 connections: a denial flood (the agent calls an endpoint it lacks; the floor and
 * direct pass the same request through) and Bollard on PostgreSQL (DATABASE_URL, default the local test
 * server; a scratch database, dropped after; skipped when unreachable). Bollard's CPU per request is also
 * split by stage from its own counters, and the disk's fsync floor is measured for the latency goal.
 *
 *   npm run bench -- --quick          smoke run, about two minutes, no microbenchmarks
 *   npm run bench                     full run (a few minutes) plus the microbenchmarks
 *   npm run bench -- --soak 300       adds a 5-minute memory soak of Bollard
 *   npm run bench -- --startup        only the CLI and start-up figures (seconds, no load runs)
 *   npm run bench -- --quick --only read:32,deny:32 --targets floor,bollard
 *                                     some cells of some targets (not saved, no start-up figures)
 *   npm run bench -- --rounds 5 --only read:1,read:32 --targets bollard,bollard-sinks
 *                                     more rounds per cell (default 3), for a tighter comparison
 *   BENCH_CPU_PROF=bollard npm run bench -- --quick   writes a .cpuprofile of Bollard to bench/profiles/
 *
 * Figures are reported, never judged: nothing here fails on a timing.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { parseBenchArgs } from './lib/args.js';
import { type BenchChild, startBenchChild } from './lib/bench-child.js';
import { CREATE_REQUEST, MCP_LIST_CALL } from './lib/fixtures.js';
import { measureFsyncP50Ms } from './lib/fsync.js';
import type { LoadSpec } from './lib/load.js';
import { runLoad } from './lib/load.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { MICROBENCHMARKS, runMicrobenchmarks } from './lib/micro.js';
import { renderSoak, type SoakFigures, soak } from './lib/soak.js';
import { measureStartup, renderStartup } from './lib/startup.js';
import { foldRounds, type Operation, type Round, ratios, type TargetName, toRound } from './lib/summary.js';
import {
  checkGoals,
  checkSinksGoal,
  renderGoals,
  renderMcpOverhead,
  renderStages,
  renderTable,
} from './lib/table.js';

const options = parseBenchArgs(process.argv.slice(2));
const CONNECTIONS = [1, 32, 128];
const OPERATIONS: Operation[] = ['read', 'write', 'deny', 'mcp'];
/** The MCP cells: Bollard FULL only (the others do not speak MCP), beside its HTTP read in the same rounds. */
const MCP_CONNECTIONS = [1, 32];
/** The denial flood runs at 32 connections only, against direct, the floor and Bollard FULL. */
const DENY_TARGETS: readonly TargetName[] = ['direct', 'floor', 'bollard', 'bollard-fullpath'];
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = options.rounds ?? (options.quick ? 1 : 3);
const SECONDS = options.quick ? 1 : 4;
const WARM_UP_SECONDS = options.quick ? 0.3 : 2;

const machine = describeMachine();
if (process.argv.includes('--startup')) {
  console.log(`Bollard CLI and start-up figures on ${machineLine(machine)}`);
  console.log(renderStartup(await measureStartup(5)));
  process.exit(0);
}
console.log(`Bollard benchmark (${options.quick ? 'quick' : 'full'}) on ${machineLine(machine)}`);

const upstream = await startBenchChild('upstream', 'upstream.ts', []);
const upstreamUrl = upstream.info.url ?? '';
const [floor, bollard, bollardNormal, bollardNoMetrics, bollardSinks, bollardFullPath] = await Promise.all([
  startBenchChild('floor', 'floor-proxy.ts', ['--upstream', upstreamUrl]),
  startBenchChild('bollard', 'bollard-server.ts', ['--upstream', upstreamUrl, '--synchronous', 'full']),
  startBenchChild('bollard-normal', 'bollard-server.ts', [
    '--upstream',
    upstreamUrl,
    '--synchronous',
    'normal',
  ]),
  // What metrics cost end to end: the same Bollard with BOLLARD_METRICS=off, reads only.
  startBenchChild('bollard-nometrics', 'bollard-server.ts', [
    '--upstream',
    upstreamUrl,
    '--synchronous',
    'full',
    '--metrics',
    'off',
  ]),
  // What streaming the audit log costs the proxy: one HTTP sink and the WorkOS mirror on, reads only.
  startBenchChild('bollard-sinks', 'bollard-server.ts', [
    '--upstream',
    upstreamUrl,
    '--synchronous',
    'full',
    '--sinks',
    'on',
  ]),
  // What the fast path saves: the same Bollard with BOLLARD_FAST_PATH=off, reads and the denial flood.
  startBenchChild('bollard-fullpath', 'bollard-server.ts', [
    '--upstream',
    upstreamUrl,
    '--synchronous',
    'full',
    '--fast-path',
    'off',
  ]),
]);
const children = [upstream, floor, bollard, bollardNormal, bollardNoMetrics, bollardSinks, bollardFullPath];
const bollardPostgres = await startBenchChild('bollard-postgres', 'bollard-server.ts', [
  '--upstream',
  upstreamUrl,
  '--database-url',
  DATABASE_URL,
]).catch((error: unknown) => {
  console.log(`PostgreSQL cell skipped: ${(error as Error).message}`);
  return null;
});
if (bollardPostgres) children.push(bollardPostgres);
const fsyncP50Ms = measureFsyncP50Ms();

/** The process each target's CPU and RSS are read from: for `direct` that is the upstream itself. */
interface Target {
  name: TargetName;
  measured: BenchChild;
  url: string;
  token: string;
}
// Every target gets the same headers; only Bollard reads the token (the others pass it on or ignore it).
const target = (name: TargetName, measured: BenchChild): Target => ({
  name,
  measured,
  url: measured.info.url ?? '',
  token: measured.info.token ?? bollard.info.token ?? '',
});
const targets: Target[] = [
  target('direct', upstream),
  target('floor', floor),
  target('bollard', bollard),
  target('bollard-normal', bollardNormal),
  target('bollard-nometrics', bollardNoMetrics),
  target('bollard-sinks', bollardSinks),
  target('bollard-fullpath', bollardFullPath),
  ...(bollardPostgres ? [target('bollard-postgres', bollardPostgres)] : []),
];

/** Which targets run a cell: PostgreSQL reads at 32 only; the denial flood at 32 on DENY_TARGETS. */
function runs(target: Target, operation: Operation, connections: number): boolean {
  if (options.only && !options.only.has(`${operation}:${connections}`)) return false;
  if (options.targets && !options.targets.has(target.name)) return false;
  if (operation === 'deny') return connections === 32 && DENY_TARGETS.includes(target.name);
  if (operation === 'mcp') return target.name === 'bollard' && MCP_CONNECTIONS.includes(connections);
  if (target.name === 'bollard-postgres') return operation === 'read' && connections === 32;
  if (
    target.name === 'bollard-nometrics' ||
    target.name === 'bollard-sinks' ||
    target.name === 'bollard-fullpath'
  )
    return operation === 'read' && connections !== 128;
  return true;
}

function spec(
  { name, url, token }: Target,
  operation: Operation,
  connections: number,
  seconds: number,
): LoadSpec {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (operation === 'read')
    return { url: `${url}/organizations`, method: 'GET', headers, connections, seconds };
  // The bench agent holds organizations:write only: Bollard answers 403 permission_denied.
  if (operation === 'mcp') {
    headers['content-type'] = 'application/json';
    headers.accept = 'application/json, text/event-stream';
    return { url: `${url}/mcp`, method: 'POST', headers, body: MCP_LIST_CALL, connections, seconds };
  }
  if (operation === 'deny') {
    const expectStatus = name.startsWith('bollard') ? 403 : 200;
    return { url: `${url}/users`, method: 'GET', headers, connections, seconds, expectStatus };
  }
  headers['content-type'] = 'application/json';
  return { url: `${url}/organizations`, method: 'POST', headers, body: CREATE_REQUEST, connections, seconds };
}

try {
  for (const target of targets)
    for (const operation of OPERATIONS)
      if (runs(target, operation, 32)) await runLoad(spec(target, operation, 32, WARM_UP_SECONDS));

  const rounds: Round[] = [];
  const perRound = OPERATIONS.flatMap((o) =>
    CONNECTIONS.flatMap((c) => targets.filter((t) => runs(t, o, c))),
  );
  const total = ROUNDS * perRound.length;
  for (let round = 0; round < ROUNDS; round++) {
    for (const operation of OPERATIONS) {
      for (const connections of CONNECTIONS) {
        // Rotate who goes first, so no target always runs on the freshest (or the warmest) machine.
        const shift = (round + connections) % targets.length;
        const order = [...targets.slice(shift), ...targets.slice(0, shift)];
        for (const target of order) {
          if (!runs(target, operation, connections)) continue;
          const before = await target.measured.begin();
          const load = await runLoad(spec(target, operation, connections, SECONDS));
          const after = await target.measured.end();
          rounds.push(toRound(target.name, operation, connections, load, before, after));
          process.stdout.write(`\r${rounds.length}/${total} loads run`);
        }
      }
    }
  }
  process.stdout.write('\n\n');

  const cells = foldRounds(rounds).sort(
    (a, b) =>
      OPERATIONS.indexOf(a.operation) - OPERATIONS.indexOf(b.operation) ||
      a.connections - b.connections ||
      targets.findIndex((t) => t.name === a.target) - targets.findIndex((t) => t.name === b.target),
  );
  const compared = ratios(cells);
  const goals = [...checkGoals(compared, fsyncP50Ms), ...checkSinksGoal(rounds)];
  console.log(renderTable(cells, compared));
  console.log(
    `\n${ROUNDS} round(s) of ${SECONDS} s per cell, medians; CPU and RSS are the measured process's own ` +
      `(the upstream's for direct). Audit rows: two per allowed call (the call, then its outcome), one per denial.\n` +
      `fsync floor on this disk: p50 ${fsyncP50Ms.toFixed(3)} ms for a 512-byte append + fdatasync.\n`,
  );
  console.log(`${renderStages(cells)}\n`);
  console.log(renderGoals(goals));
  console.log(renderMcpOverhead(cells, MCP_CONNECTIONS));
  const sinkLag = (await bollardSinks.begin()).extra.sinkLagRecords ?? 0;
  console.log(
    `\naudit sinks (HTTP sink + WorkOS mirror, one request per event, at most 100 a second: WorkOS's limit for one key): the slowest was ${sinkLag.toLocaleString('en-US')} records behind the head after the last load; they catch up off the hot path.`,
  );

  let soakFigures: SoakFigures | null = null;
  if (options.soakSeconds > 0) {
    console.log(`\nmemory soak: ${options.soakSeconds} s…`);
    const bollardTarget = targets[2] as Target;
    soakFigures = await soak(
      bollard,
      [spec(bollardTarget, 'read', 16, 0), spec(bollardTarget, 'write', 16, 0)],
      options.soakSeconds,
    );
    console.log(renderSoak(soakFigures));
  }

  const partial = options.only !== null || options.targets !== null;
  if (!partial) console.log('\nCLI and start-up (fresh processes, compiled build):');
  const startup = partial ? null : await measureStartup(options.quick ? 3 : 5);
  if (startup) console.log(renderStartup(startup));

  const micro = options.micro ? runMicrobenchmarks() : [];
  if (!options.micro)
    console.log(
      `\nmicrobenchmarks: npm run bench (full run), or one at a time: ${MICROBENCHMARKS.map((s) => `node --import tsx ${s}`).join(' · ')}`,
    );

  if (options.save) {
    const date = new Date().toISOString();
    // One file a day; a second run the same day gets the time too, so a figure quoted from the first stays true.
    const daily = `bench/results/${date.slice(0, 10)}${options.quick ? '-quick' : ''}.json`;
    const file = existsSync(daily)
      ? daily.replace(date.slice(0, 10), date.slice(0, 16).replace(':', ''))
      : daily;
    mkdirSync('bench/results', { recursive: true });
    const report = {
      date,
      mode: options.quick ? 'quick' : 'full',
      machine,
      settings: { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS },
      fsyncP50Ms,
      cells,
      ratios: compared,
      goals,
      soak: soakFigures,
      startup,
      micro,
      rounds,
    };
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten: ${file}`);
  }
} finally {
  await Promise.all(children.map((child) => child.stop()));
}
