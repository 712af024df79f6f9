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
  /** Write the results JSON (off with --no-save, and for a partial run). */
  save: boolean;
  /** Only these cells, as `operation:connections` (`--only read:32,deny:32`); null runs them all. */
  only: ReadonlySet<string> | null;
  /** Only these targets (`--targets floor,bollard`); null runs them all. */
  targets: ReadonlySet<string> | null;
  /** Rounds per cell (`--rounds 5`); null: 3, or 1 with --quick. */
  rounds: number | null;
}

function list(value: string | undefined): ReadonlySet<string> | null {
  return value === undefined ? null : new Set(value.split(',').map((item) => item.trim()));
}

export function parseBenchArgs(args: readonly string[]): BenchOptions {
  const quick = args.includes('--quick');
  const soak = flagValue(args, '--soak');
  const soakSeconds = soak === undefined ? 0 : Number(soak);
  if (!Number.isFinite(soakSeconds) || soakSeconds < 0) throw new Error(`--soak wants seconds, got ${soak}`);
  const only = list(flagValue(args, '--only'));
  const targets = list(flagValue(args, '--targets'));
  const partial = only !== null || targets !== null;
  const roundsFlag = flagValue(args, '--rounds');
  const rounds = roundsFlag === undefined ? null : Number(roundsFlag);
  if (rounds !== null && (!Number.isInteger(rounds) || rounds < 1 || rounds > 50))
    throw new Error(`--rounds wants a whole number from 1 to 50, got ${roundsFlag}`);
  return {
    quick,
    soakSeconds,
    micro: args.includes('--micro') || (!quick && !partial && !args.includes('--no-micro')),
    save: !partial && !args.includes('--no-save'),
    only,
    targets,
    rounds,
  };
}
