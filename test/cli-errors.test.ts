import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BollardProcess, startBollardProcess } from './support/processes.js';

// Each CLI run is a fresh Node process: allow for a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const REPO = join(import.meta.dirname, '..');
const BIN = join(REPO, 'bin', 'bollard.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let bollard: BollardProcess;
let dataDir: string;
let adminToken: string;

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const base = { ...process.env };
  for (const name of Object.keys(base)) if (name.startsWith('BOLLARD_')) delete base[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...base, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function sh(command: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', ['-o', 'pipefail', '-c', command], { cwd: REPO }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bollard-cli-errors-'));
  bollard = await startBollardProcess({ BOLLARD_DATA_DIR: dataDir });
  adminToken = bollard.output().match(/Admin token \(shown once\)\s+(\S+)/)![1]!;
});

afterAll(async () => {
  await bollard?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the CLI says what to do when it is pointed at the wrong place', () => {
  it('an admin URL without a scheme is a usage error that shows the fix', async () => {
    const hostPort = bollard.adminUrl.replace('http://', '');
    const run = await cli(['agents', 'list'], {
      BOLLARD_ADMIN_URL: hostPort,
      BOLLARD_ADMIN_TOKEN: adminToken,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Add the scheme: BOLLARD_ADMIN_URL=http://${hostPort}`);
  });

  it('an admin URL that already ends in /api/v1 works rather than doubling the prefix', async () => {
    const run = await cli(['agents', 'list'], {
      BOLLARD_ADMIN_URL: `${bollard.adminUrl}/api/v1/`,
      BOLLARD_ADMIN_TOKEN: adminToken,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('support-bot');
  });

  it('pointed at the proxy port, it says so and names the admin port', async () => {
    const run = await cli(['agents', 'list'], {
      BOLLARD_ADMIN_URL: bollard.proxyUrl,
      BOLLARD_ADMIN_TOKEN: adminToken,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is Bollard's proxy port (for agents), not its admin API");
    expect(run.stderr).not.toContain('well-formed');
  });

  it('an unknown filter value is a usage error with a suggestion, not "No matching entries"', async () => {
    const env = { BOLLARD_ADMIN_URL: bollard.adminUrl, BOLLARD_ADMIN_TOKEN: adminToken };
    const area = await cli(['logs', '--area', 'user'], env);
    expect(area.code).toBe(2);
    expect(area.stderr).toContain("unknown --area 'user' — did you mean 'users'?");
    const endpoint = await cli(['logs', '--endpoint', 'organizations.delet'], env);
    expect(endpoint.code).toBe(2);
    expect(endpoint.stderr).toContain("did you mean 'organizations.delete'?");
    const status = await cli(['logs', '--status', 'forbidden'], env);
    expect(status.code).toBe(2);
  });

  it('with --json, a failure is a JSON document on stdout too', async () => {
    const run = await cli(['agents', 'show', 'no-such-agent', '--json'], {
      BOLLARD_ADMIN_URL: bollard.adminUrl,
      BOLLARD_ADMIN_TOKEN: adminToken,
    });
    expect(run.code).toBe(1);
    const parsed = JSON.parse(run.stdout) as { error: { message: string; exitCode: number } };
    expect(parsed.error.message).toMatch(/no-such-agent/);
    expect(parsed.error.exitCode).toBe(1);
  });

  it('bollard start refuses a non-http upstream and names settings the way a person sets them', async () => {
    const run = await cli(['start', '--upstream', 'ftp://x', '--port', '0', '--admin-port', '0'], {
      WORKOS_API_KEY: 'sk_test_x',
      BOLLARD_ADMIN_TOKEN: 'short',
      BOLLARD_DATA_DIR: dataDir,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--upstream / BOLLARD_UPSTREAM: must be an http:// or https:// URL');
    expect(run.stderr).toContain('BOLLARD_ADMIN_TOKEN');
    expect(run.stderr).not.toContain('--admin-token');
  });

  it('`catalog | head` ends quietly when the reader goes away', async () => {
    const run = await sh(`node ${BIN} catalog --json | head -c 20`);
    expect(run.stderr).not.toMatch(/EPIPE|Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toHaveLength(20);
  });
});
