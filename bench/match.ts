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

function measure(paths: Array<[string, string]>, calls: number): bigint {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const [method, path] = paths[i % paths.length] as [string, string];
    if (match(method, path).kind === 'match') sink++;
  }
  const elapsed = process.hrtime.bigint() - started;
  if (sink < 0) console.log(sink); // keeps the loop from being optimised away
  return elapsed;
}

const paths = samplePaths();
measure(paths, WARM_UP);
const perCall = Array.from({ length: ROUNDS }, () => Number(measure(paths, CALLS)) / CALLS).sort(
  (a, b) => a - b,
);
const median = perCall[Math.floor(ROUNDS / 2)] ?? 0;
console.log(
  `match(): ${(perCall[0] ?? 0).toFixed(1)} ns per call (fastest of ${ROUNDS} rounds of ${CALLS.toLocaleString()}; ` +
    `median ${median.toFixed(1)} ns) over ${paths.length} paths: one per catalog endpoint plus encoded, ` +
    `hostile and unknown ones; node ${process.version}`,
);
