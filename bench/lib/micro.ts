import { spawnSync } from 'node:child_process';

/** The focused microbenchmarks, each its own script (runnable alone too). */
export const MICROBENCHMARKS = [
  'bench/match.ts',
  'bench/auth.ts',
  'bench/audit.ts',
  'bench/ratelimit.ts',
  'bench/observability.ts',
  'bench/mcp.ts',
  'bench/pinning.ts',
];

export interface MicroOutput {
  script: string;
  output: string;
  ok: boolean;
}

/** Runs each script in its own process (so one does not warm or disturb the next) and echoes its figures. */
export function runMicrobenchmarks(): MicroOutput[] {
  return MICROBENCHMARKS.map((script) => {
    console.log(`\n$ node --import tsx ${script}`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    const output = `${run.stdout}${run.stderr}`.trim();
    console.log(output);
    return { script, output, ok: run.status === 0 };
  });
}
