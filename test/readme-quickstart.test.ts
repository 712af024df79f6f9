/**
 * The README's first hour, run as written: the shell blocks of "Try it in 5 minutes", "Quick start for
 * operators", "People in the loop", "Beyond areas" and "Audit beyond the box" are read from README.md
 * itself (so the two cannot drift) and run in order, in one scratch
 * folder laid out like a clone after `npm install`, against a fresh demo-mode `bollard start` — what
 * `npm start` runs. Each block must succeed; a few must also show what the README says they show.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

const REPO = path.resolve(import.meta.dirname, '..');
const SECTIONS = [
  'Try it in 5 minutes',
  'Quick start for operators',
  'People in the loop',
  'Beyond areas',
  'Audit beyond the box',
];

/** The ```sh blocks of one `## ` section of the README, in order. */
function shellBlocks(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const next = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((found) => found[1] as string);
}

/** What each block must print besides succeeding, keyed by a piece of the block. */
const EXPECT: [string, RegExp[]][] = [
  ['npx bollard agents list', [/support-bot/, /provisioner/, /auditor/]],
  ['-d \'{"name":"Initech"}\'', [/"code":"permission_denied"/, /organizations:write/]],
  ['createOrganization', [/created org_/]],
  ['npx bollard audit verify\n', [/Audit chain intact: \d+ records verified/]],
  ['listOrganizations()).data', [/Initech/]],
  ['policy export --output bollard.yaml', [/0 to create, 0 to update, 0 to delete/, /\+ create report-bot/]],
  ['npx bollard operators create alice', [/bolop_/]],
  ['npx bollard policy replay proposed.yaml', [/Replayed \d+ recorded calls/]],
  ['npx bollard freeze --agent ticket-bot', [/ticket-bot/]],
  ['npx bollard catalog show users.get', [/users\.get/]],
  ['--checkpoints checkpoints.jsonl --public-key bollard-audit.pub\n', [/checkpoint match\(es\)/]],
  ['--file recent.jsonl --checkpoints', [/Audit chain intact: \d+ records verified \(recent.jsonl\)/]],
];

let dir: string;
let server: ChildProcess;
let output = '';

beforeAll(async () => {
  // A folder that looks like the clone after `npm install`: `npx bollard` and `@workos-inc/node` resolve.
  dir = mkdtempSync(path.join(tmpdir(), 'bollard-readme-'));
  mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(path.join(REPO, 'bin', 'bollard.js'), path.join(dir, 'node_modules', '.bin', 'bollard'));
  symlinkSync(path.join(REPO, 'node_modules', '@workos-inc'), path.join(dir, 'node_modules', '@workos-inc'));
  writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (/^(BOLLARD_|WORKOS_)/.test(name) || name === 'DATABASE_URL' || name === 'REDIS_URL') delete env[name];
  server = spawn(
    process.execPath,
    [path.join(REPO, 'bin', 'bollard.js'), 'start', '--port', '0', '--admin-port', '0'],
    {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout!.on('data', (chunk) => {
    output += String(chunk);
  });
  server.stderr!.on('data', (chunk) => {
    output += String(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 45 s:\n${output}`)), 45_000);
    const poll = setInterval(() => {
      if (output.includes('source .bollard/demo.env')) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }
    }, 50);
    server.once('exit', (code) => reject(new Error(`bollard start exited ${code}:\n${output}`)));
  });
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one block in bash with the variables the earlier blocks exported, like one terminal would. */
function runBlock(block: string): Promise<{ code: number; out: string }> {
  const state = path.join(dir, '.readme-shell-state');
  const script = `set -eo pipefail\n[ -f ${state} ] && source ${state}\n${block}\nexport -p > ${state}\n`;
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^(BOLLARD_|WORKOS_)/.test(name)) delete env[name];
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd: dir, env, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe('the README quick start, as written, in demo mode', () => {
  it('every shell block of the first-hour sections runs in order and shows what the README says', async () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const blocks = SECTIONS.flatMap((heading) => shellBlocks(readme, heading));
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    const checked = new Set<string>();
    for (const block of blocks) {
      const result = await runBlock(block);
      expect(result.code, `this README block failed:\n${block}\n--- it printed:\n${result.out}`).toBe(0);
      for (const [piece, patterns] of EXPECT) {
        if (!block.includes(piece)) continue;
        checked.add(piece);
        for (const pattern of patterns)
          expect(result.out, `${block}\n--- printed:\n${result.out}`).toMatch(pattern);
      }
    }
    // Every expectation found its block: a README edit cannot silently drop what is checked.
    expect([...checked].sort()).toEqual(EXPECT.map(([piece]) => piece).sort());
  });
});
