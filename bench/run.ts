/**
 * `npm run bench`: what Bollard costs, side by side with calling the upstream directly and with a bare
 * undici pass-through (the floor). Each runs in its own process in front of one fixed-response upstream;
 * autocannon drives the read and the write at 1, 32 and 128 connections, rounds interleaved so drift
 * hits all alike. Prints one table with the ratios and writes it as JSON to bench/results/.
 *
 *   npm run bench -- --quick          smoke run, under a minute, no microbenchmarks
 *   npm run bench                     full run (a few minutes) plus the microbenchmarks
 *   npm run bench -- --soak 300       adds a 5-minute memory soak of Bollard
 *   npm run bench -- --startup        only the CLI and start-up figures (seconds, no load runs)
 *   BENCH_CPU_PROF=bollard npm run bench -- --quick   writes a .cpuprofile of Bollard to bench/profiles/
 *
 * Figures are reported, never judged: nothing here fails on a timing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseBenchArgs } from './lib/args.js';
import { type BenchChild, startBenchChild } from './lib/bench-child.js';
import { CREATE_REQUEST } from './lib/fixtures.js';
import type { LoadSpec } from './lib/load.js';
import { runLoad } from './lib/load.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { MICROBENCHMARKS, runMicrobenchmarks } from './lib/micro.js';
import { renderSoak, type SoakFigures, soak } from './lib/soak.js';
import { measureStartup, renderStartup } from './lib/startup.js';
import { foldRounds, type Operation, type Round, ratios, type TargetName, toRound } from './lib/summary.js';
import { checkGoals, renderGoals, renderTable } from './lib/table.js';

const options = parseBenchArgs(process.argv.slice(2));
const CONNECTIONS = [1, 32, 128];
const OPERATIONS: Operation[] = ['read', 'write'];
const ROUNDS = options.quick ? 1 : 3;
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
const [floor, bollard, bollardNormal] = await Promise.all([
  startBenchChild('floor', 'floor-proxy.ts', ['--upstream', upstreamUrl]),
  startBenchChild('bollard', 'bollard-server.ts', ['--upstream', upstreamUrl, '--synchronous', 'full']),
  startBenchChild('bollard-normal', 'bollard-server.ts', [
    '--upstream',
    upstreamUrl,
    '--synchronous',
    'normal',
  ]),
]);
const children = [upstream, floor, bollard, bollardNormal];

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
];

function spec({ url, token }: Target, operation: Operation, connections: number, seconds: number): LoadSpec {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (operation === 'read')
    return { url: `${url}/organizations`, method: 'GET', headers, connections, seconds };
  headers['content-type'] = 'application/json';
  return { url: `${url}/organizations`, method: 'POST', headers, body: CREATE_REQUEST, connections, seconds };
}

try {
  for (const target of targets)
    for (const operation of OPERATIONS) await runLoad(spec(target, operation, 32, WARM_UP_SECONDS));

  const rounds: Round[] = [];
  const total = ROUNDS * OPERATIONS.length * CONNECTIONS.length * targets.length;
  for (let round = 0; round < ROUNDS; round++) {
    for (const operation of OPERATIONS) {
      for (const connections of CONNECTIONS) {
        // Rotate who goes first, so no target always runs on the freshest (or the warmest) machine.
        const shift = (round + connections) % targets.length;
        const order = [...targets.slice(shift), ...targets.slice(0, shift)];
        for (const target of order) {
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
  const goals = checkGoals(compared);
  console.log(renderTable(cells, compared));
  console.log(
    `\n${ROUNDS} round(s) of ${SECONDS} s per cell, medians; CPU and RSS are the measured process's own ` +
      `(the upstream's for direct). Audit rows: two per call (the call, then its outcome).\n`,
  );
  console.log(renderGoals(goals));

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

  console.log('\nCLI and start-up (fresh processes, compiled build):');
  const startup = await measureStartup(options.quick ? 3 : 5);
  console.log(renderStartup(startup));

  const micro = options.micro ? runMicrobenchmarks() : [];
  if (!options.micro)
    console.log(
      `\nmicrobenchmarks: npm run bench (full run), or one at a time: ${MICROBENCHMARKS.map((s) => `node --import tsx ${s}`).join(' · ')}`,
    );

  if (options.save) {
    const date = new Date().toISOString();
    const file = `bench/results/${date.slice(0, 10)}${options.quick ? '-quick' : ''}.json`;
    mkdirSync('bench/results', { recursive: true });
    const report = {
      date,
      mode: options.quick ? 'quick' : 'full',
      machine,
      settings: { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS },
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
