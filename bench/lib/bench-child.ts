import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildAnswer, ChildQuestion, ChildReady, WindowStats } from './child-stats.js';

/** A benchmarked process, started by the parent and asked for its own figures over IPC. */
export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  /** What the child announced: its `url`, and Bollard's `token`. */
  readonly info: Record<string, string>;
  /** Starts a measured window (resets CPU and peak RSS); returns the figures before the reset. */
  begin(): Promise<WindowStats>;
  /** Figures of the window so far. */
  end(): Promise<WindowStats>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000; // tsx compiles the gateway on first start

/**
 * Forks `bench/<script>` under tsx and waits for its ready message. `BENCH_CPU_PROF=<name>` adds
 * `--cpu-prof` to that child, so a run can be profiled without changing anything else.
 */
export async function startBenchChild(name: string, script: string, args: string[]): Promise<BenchChild> {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const profile = process.env.BENCH_CPU_PROF === name ? ['--cpu-prof', '--cpu-prof-dir=bench/profiles'] : [];
  const child = fork(path, args, {
    execArgv: ['--import', 'tsx', ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const info = await waitReady(name, child);
  let nextId = 0;
  const waiting = new Map<number, (stats: WindowStats) => void>();
  child.on('message', (message: ChildAnswer) => {
    waiting.get(message.id)?.(message.stats);
    waiting.delete(message.id);
  });
  const ask = (kind: ChildQuestion['kind']) =>
    new Promise<WindowStats>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ id, kind } satisfies ChildQuestion);
    });
  return {
    name,
    pid: child.pid ?? 0,
    info,
    begin: () => ask('begin'),
    end: () => ask('end'),
    stop: () => stopChild(child),
  };
}

function waitReady(name: string, child: ChildProcess): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time`)), START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready`));
    });
    child.once('message', (message: ChildReady) => {
      clearTimeout(timer);
      resolve(message.ready);
    });
  });
}

/** Disconnecting tells the child to exit (it listens for it); SIGTERM if it lingers. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.disconnect();
  });
}
