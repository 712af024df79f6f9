import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../..');

/** A `bollard start` running as its own process, as an operator runs it. */
export interface BollardProcess {
  child: ChildProcess;
  proxyUrl: string;
  adminUrl: string;
  /** The `BOLLARD_METRICS_PORT` server's base URL, when it has one. */
  metricsUrl: string | null;
  /** Everything it printed (banner and log lines) so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node bin/bollard.js start` with the given environment and waits for its banner. */
export async function startBollardProcess(
  env: Record<string, string>,
  args: string[] = [],
): Promise<BollardProcess> {
  const base = { ...process.env };
  for (const name of Object.keys(base))
    if (name.startsWith('BOLLARD_') || name.startsWith('WORKOS_')) delete base[name];
  delete base.DATABASE_URL;
  delete base.REDIS_URL;
  const child = spawn(
    process.execPath,
    ['bin/bollard.js', 'start', '--port', '0', '--admin-port', '0', ...args],
    {
      cwd: repo,
      // No load balancer watches /readyz in a test: stop without the drain's grace unless a test sets one.
      env: { ...base, BOLLARD_DRAIN_GRACE_MS: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk) => {
    err += String(chunk);
  });
  child.stdout!.on('data', (chunk) => {
    out += String(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s\n${out}\n${err}`)), 30_000);
    const poll = setInterval(() => {
      if (/Admin API\s+http/.test(out) && /State\s+\S/.test(out)) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`bollard start exited ${code}\n${out}\n${err}`));
    });
  });
  const proxyUrl = out.match(/Proxy for agents\s+(http:\/\/\S+)/)![1]!;
  const adminUrl = out.match(/Admin API\s+(http:\/\/\S+)/)![1]!;
  const metricsUrl = out.match(/Metrics\s+(http:\/\/\S+)\/metrics/)?.[1] ?? null;
  return {
    child,
    proxyUrl,
    adminUrl,
    metricsUrl,
    output: () => out + err,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs `node bin/bollard.js ARGS` to completion, as an operator would, and returns its exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/bollard.js', ...args],
      { cwd: repo, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
