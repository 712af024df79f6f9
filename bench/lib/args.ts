/** The few flags the benchmark takes; no parser needed for `--name value` and `--flag`. */

/** The value after `name`, or undefined. */
export function flagValue(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

export interface BenchOptions {
  quick: boolean;
  /** Seconds of the memory soak; 0 skips it. */
  soakSeconds: number;
  /** Run bench/match.ts, audit.ts, ratelimit.ts after the load runs. */
  micro: boolean;
  /** Write the results JSON (off with --no-save). */
  save: boolean;
}

export function parseBenchArgs(args: readonly string[]): BenchOptions {
  const quick = args.includes('--quick');
  const soak = flagValue(args, '--soak');
  const soakSeconds = soak === undefined ? 0 : Number(soak);
  if (!Number.isFinite(soakSeconds) || soakSeconds < 0) throw new Error(`--soak wants seconds, got ${soak}`);
  return {
    quick,
    soakSeconds,
    micro: args.includes('--micro') || (!quick && !args.includes('--no-micro')),
    save: !args.includes('--no-save'),
  };
}
