import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkOS } from '@workos-inc/node';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningBollard, startBollard } from '../src/app/start-app.js';
import {
  type Checkpoint,
  keyIdOf,
  parseCheckpoints,
  SIGNING_KEY_FILE,
  signCheckpoint,
  trustedCheckpoints,
} from '../src/audit/index.js';
import { loadConfig } from '../src/config/index.js';
import { type RunningEmulator, startEmulator } from '../src/emulator/index.js';
import { runCli } from './support/processes.js';

// Each CLI run is a fresh Node process: allow for a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ADMIN_TOKEN = 'checkpoint-test-admin-token-0123456789';
let emulator: RunningEmulator;
let bollard: RunningBollard;
let dataDir: string;
let outside: string;
let agentToken: string;

async function start(): Promise<RunningBollard> {
  const config = loadConfig(
    { dataDir, port: 0, adminPort: 0, adminToken: ADMIN_TOKEN, auditSynchronous: 'normal', logLevel: 'warn' },
    {},
  );
  return startBollard(config, {
    upstream: { url: emulator.url, apiKey: emulator.apiKey },
    logger: pino({ level: 'silent' }),
  });
}

function cli(args: string[]) {
  return runCli(args, { BOLLARD_ADMIN_URL: bollard.adminUrl, BOLLARD_ADMIN_TOKEN: ADMIN_TOKEN });
}

async function calls(n: number): Promise<void> {
  const { port } = new URL(bollard.proxyUrl);
  const sdk = new WorkOS(agentToken, { apiHostname: '127.0.0.1', port: Number(port), https: false });
  for (let i = 0; i < n; i++) await sdk.organizations.listOrganizations({ limit: 1 });
  // A denial too: the agent may not read users.
  await expect(sdk.userManagement.listUsers()).rejects.toThrow();
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo' });
  dataDir = mkdtempSync(path.join(tmpdir(), 'bollard-checkpoints-'));
  outside = mkdtempSync(path.join(tmpdir(), 'bollard-outside-'));
  bollard = await start();
  ({ token: agentToken } = await bollard.app.agents.create(
    { name: 'auditor-bot', grants: ['organizations:read'] },
    { kind: 'admin', name: 'test' },
  ));
});

afterAll(async () => {
  await bollard?.close();
  await emulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('signed checkpoints', () => {
  const checkpoints = () => path.join(outside, 'checkpoints.jsonl');
  const publicKey = () => path.join(outside, 'bollard-audit.pub');
  /** `bollard audit verify` against the outside checkpoint file (or another) with the pinned key. */
  const verifyPinned = (extra: string[] = [], file = checkpoints(), key = publicKey()) =>
    cli(['audit', 'verify', ...extra, '--checkpoints', file, '--public-key', key]);

  it('keeps the signing key owner-only in the data directory and prints its public half', async () => {
    const mode = (await import('node:fs')).statSync(path.join(dataDir, SIGNING_KEY_FILE)).mode & 0o777;
    expect(mode.toString(8)).toBe('600');
    const printed = await cli(['audit', 'public-key']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(printed.stdout).not.toMatch(/PRIVATE/);
    writeFileSync(publicKey(), printed.stdout);
  });

  it('signs the head on demand and verifies the server against checkpoints kept outside', async () => {
    await calls(10);
    const signed = await cli(['audit', 'checkpoint']);
    expect(signed.code, signed.stderr).toBe(0);
    appendFileSync(checkpoints(), signed.stdout);
    await calls(5);
    const second = await cli(['audit', 'checkpoint']);
    appendFileSync(checkpoints(), second.stdout);
    const [first, newest] = parseCheckpoints(readFileSync(checkpoints(), 'utf8'));
    expect(newest!.previous?.seq).toBe(first!.seq);
    // The checkpoint is in the chain too, so every sink carries a copy.
    const listed = await cli(['audit', 'checkpoints']);
    expect(parseCheckpoints(listed.stdout).map((c) => c.seq)).toEqual([first!.seq, newest!.seq]);

    const verified = await verifyPinned();
    console.log(verified.stdout.trim());
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/2 checkpoint match/);
  });

  it('exports a part with --since that verifies on its own and against the checkpoints', async () => {
    const [first] = parseCheckpoints(readFileSync(checkpoints(), 'utf8'));
    const part = path.join(outside, 'part.jsonl');
    const exported = await cli(['audit', 'export', '--since', String(first!.seq - 3), '--output', part]);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = readFileSync(part, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!).seq).toBe(first!.seq - 3);
    const alone = await cli(['audit', 'verify', '--file', part]);
    expect(alone.code, alone.stderr).toBe(0);
    const anchored = await verifyPinned(['--file', part]);
    console.log(anchored.stdout.trim());
    expect(anchored.code, anchored.stderr).toBe(0);
    // An export by time starts at the first record at or after it.
    const byTime = path.join(outside, 'by-time.jsonl');
    expect((await cli(['audit', 'export', '--since', first!.time, '--output', byTime])).code).toBe(0);
    expect(JSON.parse(readFileSync(byTime, 'utf8').split('\n')[0]!).time >= first!.time).toBe(true);
  });

  it('refuses a checkpoint whose signature does not verify, and one signed by another key', async () => {
    const [first, newest] = readFileSync(checkpoints(), 'utf8').trim().split('\n');
    const tampered = path.join(outside, 'tampered.jsonl');
    const forged = { ...JSON.parse(newest!), seq: JSON.parse(newest!).seq + 50 };
    writeFileSync(tampered, `${first}\n${JSON.stringify(forged)}\n`);
    const refused = await verifyPinned([], tampered);
    console.log(refused.stderr.trim());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/checkpoint for seq \d+ is refused: its signature does not verify/);

    const { generateKeyPairSync } = await import('node:crypto');
    const other = path.join(outside, 'other.pub');
    writeFileSync(other, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
    const wrongKey = await verifyPinned([], checkpoints(), other);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/not by the pinned key/);
    // After a key rotation both keys are pinned; each checkpoint verifies with the one it names.
    const both = await verifyPinned(['--public-key', other]);
    expect(both.stderr).toBe('');
    expect(both.code).toBe(0);
  });

  it('detects the newest records deleted from the store, head rewritten to match, naming the missing range', async () => {
    const newest = parseCheckpoints(readFileSync(checkpoints(), 'utf8')).at(-1)!;
    await calls(3);
    await bollard.close();
    // Someone with the database file removes the newest records and makes the head agree.
    const db = new Database(path.join(dataDir, 'bollard.db'));
    const keep = newest.seq - 6;
    db.prepare('DELETE FROM audit WHERE seq > ?').run(keep);
    const last = db.prepare('SELECT seq, hash FROM audit WHERE seq = ?').get(keep) as {
      seq: number;
      hash: string;
    };
    db.prepare('UPDATE audit_head SET last_seq = ?, last_hash = ? WHERE id = 1').run(last.seq, last.hash);
    db.close();
    bollard = await start();
    const head = (await bollard.app.store.auditBounds()).lastSeq;

    // The chain alone cannot tell: what is left is a perfect chain.
    const plain = await cli(['audit', 'verify']);
    expect(plain.code, plain.stderr).toBe(0);
    const caught = await verifyPinned();
    console.log(caught.stderr.trim());
    expect(caught.code).toBe(1);
    expect(caught.stderr).toContain(`audit log is missing records ${head + 1}–${newest.seq}`);
  });
});

describe('checkpoints across a key rotation', () => {
  it('trusts each checkpoint only with the pinned key it names, so the old and new keys are pinned together', () => {
    const before = generateKeyPairSync('ed25519');
    const after = generateKeyPairSync('ed25519');
    const hash = (n: number) => String(n).repeat(64).slice(0, 64);
    const old = signCheckpoint(
      { seq: 10, hash: hash(1), time: '2026-12-01T00:00:00Z', previous: null },
      before.privateKey,
    );
    const rotated = signCheckpoint(
      { seq: 20, hash: hash(2), time: '2026-12-02T00:00:00Z', previous: null },
      after.privateKey,
    );
    const seqs = (trusted: Checkpoint[]) => trusted.map((c) => c.seq);
    expect(seqs(trustedCheckpoints([rotated, old], [before.publicKey, after.publicKey]))).toEqual([10, 20]);
    expect(seqs(trustedCheckpoints([old, rotated], [after.publicKey, before.publicKey]))).toEqual([10, 20]);
    expect(() => trustedCheckpoints([old, rotated], [before.publicKey])).toThrow(
      `the checkpoint for seq 20 is refused: it was signed by key ${keyIdOf(after.publicKey)}, not by the pinned key ${keyIdOf(before.publicKey)}`,
    );
    // A checkpoint that names one pinned key but carries the other's signature is forged, not rotated.
    const swapped = { ...rotated, keyId: keyIdOf(before.publicKey) };
    expect(() => trustedCheckpoints([swapped], [before.publicKey, after.publicKey])).toThrow(
      /its signature does not verify/,
    );
  });
});
