import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Where `promtool` is (Debian's `prometheus` package; `.ci/run` installs it), or null. Outside CI a
 * missing promtool skips the checks with a printed reason; in CI (`CI` set) it is an error, so a
 * broken install cannot pass silently.
 */
export function findPromtool(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  const path = found.status === 0 ? found.stdout.trim() : '';
  if (path) return path;
  if (process.env.CI) throw new Error('promtool is missing in CI: .ci/run installs the prometheus package');
  console.warn('skipping the promtool checks: promtool is not installed (apt-get install prometheus)');
  return null;
}

/** Runs `promtool ARGS…` with `input` on stdin; returns its output, throws with it on failure. */
export function promtool(path: string, args: string[], input?: string): string {
  try {
    return execFileSync(path, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}
