/**
 * How long the operator waits: `bollard --help`, a catalog listing, `agents list` against a running
 * Bollard, and `npm start` to its banner (demo mode). Each is a fresh process, timed from spawn to exit (or
 * to the banner's last line); the median of a few runs is reported.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'bollard.js');

export interface StartupFigure {
  what: string;
  medianMs: number;
  runs: number[];
  goalMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function timed(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { env, maxBuffer: 16 << 20 }, (error) => {
      if (error) reject(error);
      else resolve(performance.now() - started);
    });
  });
}

/** `npm start` in demo mode until the banner is complete; resolves with the time and a stop function. */
async function startToBanner(dataDir: string): Promise<{ ms: number; stop: () => Promise<void> }> {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith('BOLLARD_') || name.startsWith('WORKOS_') || name === 'DATABASE_URL')
      delete env[name];
  const started = performance.now();
  const child = spawn('npm', ['start', '--', '--port', '0', '--admin-port', '0', '--data-dir', dataDir], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let out = '';
  const ms = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('bollard logs --follow')) resolve(performance.now() - started);
    });
    child.once('exit', (code) => reject(new Error(`npm start exited ${code}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      process.kill(-(child.pid as number), 'SIGTERM');
    });
  return { ms, stop };
}

export async function measureStartup(runs = 5): Promise<StartupFigure[]> {
  const figures: StartupFigure[] = [];
  const record = (what: string, values: number[], goalMs: number) =>
    figures.push({ what, medianMs: Math.round(median(values)), runs: values.map(Math.round), goalMs });

  const help: number[] = [];
  for (let i = 0; i < runs; i++) help.push(await timed(['--help']));
  record('bollard --help', help, 300);
  const catalog: number[] = [];
  for (let i = 0; i < runs; i++) catalog.push(await timed(['catalog', '--area', 'organizations']));
  record('bollard catalog --area organizations', catalog, 300);

  const starts: number[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-bench-start-'));
  try {
    for (let i = 0; i < Math.min(runs, 3); i++) {
      const started = await startToBanner(dataDir);
      starts.push(started.ms);
      if (i < Math.min(runs, 3) - 1) {
        await started.stop();
        continue;
      }
      // The last one stays up for `agents list`, with the demo's own admin URL and token.
      const env = { ...process.env };
      for (const line of readFileSync(path.join(dataDir, 'demo.env'), 'utf8').split('\n')) {
        const found = /^export (\w+)='(.*)'$/.exec(line);
        if (found) env[found[1] as string] = found[2];
      }
      const list: number[] = [];
      try {
        for (let j = 0; j < runs; j++) list.push(await timed(['agents', 'list'], env));
      } finally {
        await started.stop();
      }
      record('bollard agents list', list, 300);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  record('npm start → banner (demo)', starts, 2000);
  return figures;
}

export function renderStartup(figures: readonly StartupFigure[]): string {
  const lines = ['command                                  median ms   goal ms   met   runs'];
  for (const figure of figures)
    lines.push(
      `${figure.what.padEnd(40)} ${String(figure.medianMs).padStart(9)} ${String(figure.goalMs).padStart(9)}   ${figure.medianMs <= figure.goalMs ? 'yes' : 'no '}   ${figure.runs.join(' ')}`,
    );
  return lines.join('\n');
}
