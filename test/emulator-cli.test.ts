import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../bin/bollard.js', import.meta.url).pathname;

/** Starts `bollard emulator`, resolves with its first stdout line and the time it took (reported, never asserted). */
function startCli(args: string[]) {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'emulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const line = new Promise<{ line: string; ms: number }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve({ line: out.split('\n')[0], ms: performance.now() - started });
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  return { child, line };
}

describe('bollard emulator', () => {
  it('prints its URL, key and client id, serves the SDK paths, and closes cleanly on SIGTERM', async () => {
    const { child, line } = startCli([
      '--port',
      '0',
      '--seed',
      'demo',
      '--api-key',
      'sk_test_cli',
      '--client-id',
      'client_cli',
    ]);
    const { line: banner, ms } = await line;
    console.log(
      `bollard emulator --seed demo: first line after ${ms.toFixed(0)} ms (includes node + tsx start-up)`,
    );
    const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1] ?? '';
    expect(banner).toContain('api key: sk_test_cli');
    expect(banner).toContain('client id: client_cli');
    const response = await fetch(`${url}/organizations`, {
      headers: { Authorization: 'Bearer sk_test_cli' },
    });
    expect(((await response.json()) as { data: unknown[] }).data).toHaveLength(2);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits 2 with a clear message on invalid options', async () => {
    const cases = [
      ['--rate-limits', 'maybe'],
      ['--seed', '/no/such/seed.json'],
    ];
    const run = promisify(execFile);
    const results = await Promise.all(
      cases.map((args) => run(process.execPath, [BIN, 'emulator', ...args]).catch((e: unknown) => e)),
    );
    for (const result of results as { code: number; stderr: string }[]) {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: /);
    }
  });
});
