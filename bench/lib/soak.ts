import type { BenchChild } from './bench-child.js';
import { type LoadFigures, type LoadSpec, runLoad } from './load.js';

const SAMPLE_EVERY_MS = 5_000;

/** RSS of Bollard over a long run. Flat means: end within a few MB of warm-up. */
export interface SoakFigures {
  seconds: number;
  /** [seconds since start, RSS MB] every 5 s. */
  samples: Array<[number, number]>;
  /** RSS once warmed up: the first sample at or after a fifth of the run. */
  warmRssMb: number;
  /** Mean of the last three samples. */
  endRssMb: number;
  growthMb: number;
  peakRssMb: number;
  load: LoadFigures[];
}

/**
 * Drives `child` with the read and the write at once (half the connections each) for `seconds`,
 * sampling its RSS every 5 s, to show whether memory stays flat once warm.
 */
export async function soak(child: BenchChild, specs: LoadSpec[], seconds: number): Promise<SoakFigures> {
  const samples: Array<[number, number]> = [];
  const started = performance.now();
  await child.begin();
  const sampler = setInterval(async () => {
    const stats = await child.end();
    samples.push([Math.round((performance.now() - started) / 1000), stats.rssMb]);
  }, SAMPLE_EVERY_MS);
  const load = await Promise.all(specs.map((spec) => runLoad({ ...spec, seconds })));
  clearInterval(sampler);
  const final = await child.end();
  const warm = samples.find(([at]) => at >= seconds / 5) ?? samples[0] ?? [0, final.rssMb];
  const tail = samples.slice(-3).map(([, rss]) => rss);
  const endRssMb = tail.length > 0 ? tail.reduce((a, b) => a + b, 0) / tail.length : final.rssMb;
  return {
    seconds,
    samples,
    warmRssMb: warm[1],
    endRssMb,
    growthMb: endRssMb - warm[1],
    peakRssMb: final.peakRssMb,
    load,
  };
}

export function renderSoak(figures: SoakFigures): string {
  const rps = figures.load.reduce((sum, l) => sum + l.rps, 0);
  return (
    `memory soak: Bollard FULL, read + write, ${figures.seconds} s at ${Math.round(rps)} req/s: ` +
    `RSS warm ${figures.warmRssMb.toFixed(1)} MB → end ${figures.endRssMb.toFixed(1)} MB ` +
    `(${figures.growthMb >= 0 ? '+' : ''}${figures.growthMb.toFixed(1)} MB), peak ${figures.peakRssMb.toFixed(1)} MB`
  );
}
