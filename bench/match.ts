// Microbenchmark: nanoseconds per `match()` call over a mix of real request paths. Reports a figure;
// never passes or fails on time. Run: npx tsx bench/match.ts
import { endpoints, match } from '../src/catalog/index.js';

const CALLS = 500_000;
/** Rounds: the fastest is the least disturbed by other processes on a shared machine; the median is shown too. */
const ROUNDS = 9;
const WARM_UP = 200_000;

/** One concrete path per catalog endpoint (ids filled in, the way the SDK encodes them), plus a few misses. */
function samplePaths(): Array<[string, string]> {
  const real = endpoints.map((endpoint): [string, string] => [
    endpoint.method,
    endpoint.path.replace(/\{[^}]+\}/g, (_, index: number) => `id_01HXYZABCDEFGHJKMNPQRS${index}`),
  ]);
  const tricky: Array<[string, string]> = [
    ['GET', '/organizations/org%3A01HXYZ'],
    ['GET', '/authorization/roles/users:read'],
    ['GET', '/organizations/..%2fusers'],
    ['GET', '/no/such/endpoint'],
  ];
  return [...real, ...tricky];
}

/** Wall-clock nanoseconds and CPU nanoseconds (this process only: less disturbed by a busy machine). */
function measure(paths: Array<[string, string]>, calls: number): { wall: number; cpu: number } {
  let sink = 0;
  const cpuStarted = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const [method, path] = paths[i % paths.length] as [string, string];
    if (match(method, path).kind === 'match') sink++;
  }
  const wall = Number(process.hrtime.bigint() - started);
  const cpu = process.cpuUsage(cpuStarted);
  if (sink < 0) console.log(sink); // keeps the loop from being optimised away
  return { wall, cpu: (cpu.user + cpu.system) * 1000 };
}

const paths = samplePaths();
measure(paths, WARM_UP);
const rounds = Array.from({ length: ROUNDS }, () => measure(paths, CALLS));
const perCall = (pick: (round: { wall: number; cpu: number }) => number) =>
  rounds.map((round) => pick(round) / CALLS).sort((a, b) => a - b);
const wall = perCall((round) => round.wall);
const cpu = perCall((round) => round.cpu);
const middle = Math.floor(ROUNDS / 2);
console.log(
  `match(): ${(wall[0] ?? 0).toFixed(0)} ns per call wall-clock (fastest of ${ROUNDS} rounds of ` +
    `${CALLS.toLocaleString()}; median ${(wall[middle] ?? 0).toFixed(0)} ns), ${(cpu[0] ?? 0).toFixed(0)} ns ` +
    `of CPU (median ${(cpu[middle] ?? 0).toFixed(0)} ns), over ${paths.length} paths: one per catalog endpoint ` +
    `plus encoded, hostile and unknown ones; node ${process.version}`,
);
