import type { Registry } from 'prom-client';

/** One scrape of a registry: its text (for promtool) and a way to read samples by name and labels. */
export interface Scrape {
  text: string;
  /** The sum of the samples named `name` whose labels include `labels` (0 when there are none). */
  value(name: string, labels?: Record<string, string>): number;
  /** Every label set of `name` with its value. */
  samples(name: string): Array<{ labels: Record<string, string>; value: number }>;
}

/** Scrapes the text format and parses it, as Prometheus would read it. */
export function parseScrape(text: string): Scrape {
  const parsed: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    parsed.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  const samples = (name: string) => parsed.filter((s) => s.name === name);
  return {
    text,
    samples,
    value(name, labels = {}) {
      return samples(name)
        .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((sum, s) => sum + s.value, 0);
    },
  };
}

export async function scrape(registry: Registry): Promise<Scrape> {
  return parseScrape(await registry.metrics());
}
