import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAudit, REDACTED } from '../../src/audit/index.js';
import type { AuditRecord } from '../../src/store/types.js';
import { auditRecords, type Harness, startHarness } from '../support/harness.js';
import { runCli, startBollardProcess } from '../support/processes.js';

/** Every byte SQLite holds for the database: the file and its WAL. */
function databaseText(dataDir: string): string {
  return ['bollard.db', 'bollard.db-wal']
    .map((name) => path.join(dataDir, name))
    .map((file) => (statSync(file, { throwIfNoEntry: false }) ? readFileSync(file).toString('latin1') : ''))
    .join('');
}

function modeOf(file: string): string {
  return (statSync(file).mode & 0o777).toString(8).padStart(4, '0');
}

async function recordsOf(h: Harness, endpointId: string): Promise<AuditRecord[]> {
  await h.app.audit.flush();
  return (await auditRecords(h.app)).filter((r) => r.endpointId === endpointId);
}

describe('secrets at rest', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('stores a secret path parameter as the template plus [redacted], in path and resourceIds', async () => {
    const token = await h.agent('invitation-reader', ['invitations:read']);
    const secret = 'INVITE-TOKEN-7f3a9c2e1b';
    await h
      .sdk(token)
      .userManagement.findInvitationByToken(secret)
      .catch(() => undefined); // the emulator has no invitations: the call is still recorded
    const records = await recordsOf(h, 'invitations.find_by_token');
    expect(records.map((r) => r.kind).sort()).toEqual(['call', 'outcome']);
    const call = records.find((r) => r.kind === 'call')!;
    expect(call.path).toBe(`/user_management/invitations/by_token/${REDACTED}`);
    expect(call.resourceIds).toEqual([REDACTED]);
    // The outcome repeats neither (it is joined to its call by the request id).
    const outcome = records.find((r) => r.kind === 'outcome')!;
    expect([null, call.path]).toContain(outcome.path);
    expect(outcome.resourceIds.every((id) => id === REDACTED)).toBe(true);
    expect(databaseText(h.dataDir)).not.toContain(secret);
  });

  it('redacts the value of {name, value} and {key, value} pairs with a secret name, and JWTs anywhere', async () => {
    const token = await h.agent('pair-writer', ['organizations:write']);
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2lnbmF0dXJlLXNlY3JldA';
    const response = await fetch(`${h.proxyUrl}/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Pairs Org',
        attributes: [
          { name: 'password', value: 'PAIR-SECRET-1' },
          { key: 'api_key', value: 'PAIR-SECRET-2' },
          { name: 'Client-Secret', value: { nested: 'PAIR-SECRET-3' } },
          { name: 'color', value: 'blue' },
        ],
        note: jwt,
      }),
    });
    await response.text();
    const [call] = (await recordsOf(h, 'organizations.create')).filter((r) => r.kind === 'call');
    expect((call!.details as { body: unknown }).body).toEqual({
      name: 'Pairs Org',
      attributes: [
        { name: 'password', value: REDACTED },
        { key: 'api_key', value: REDACTED },
        { name: 'Client-Secret', value: REDACTED },
        { name: 'color', value: 'blue' },
      ],
      note: REDACTED,
    });
    const stored = databaseText(h.dataDir);
    for (const secret of ['PAIR-SECRET-1', 'PAIR-SECRET-2', 'PAIR-SECRET-3', jwt])
      expect(stored).not.toContain(secret);
  });

  it('keeps the database, its WAL and shared-memory files owner-only (0600)', async () => {
    await h.app.audit.flush();
    for (const name of ['bollard.db', 'bollard.db-wal', 'bollard.db-shm'])
      expect(modeOf(path.join(h.dataDir, name)), name).toBe('0600');
  });

  it('neutralises formula-like CSV cells, and audit verify --file checks the CSV export', async () => {
    const token = await h.agent('csv-reader', ['organizations:read']);
    const hostile = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2', '@SUM(A1)', "'quoted", ''];
    for (const agent of hostile) {
      const response = await fetch(`${h.proxyUrl}/organizations`, {
        headers: { authorization: `Bearer ${token}`, 'user-agent': agent },
      });
      await response.text();
    }
    await h.app.audit.flush();
    let csv = '';
    for await (const chunk of exportAudit(h.app.store, { format: 'csv' })) csv += chunk;
    expect(csv).toContain(`,"'=HYPERLINK(""http://evil.example"",""x"")",`);
    for (const cell of ["'+1+1", "'-2", "'@SUM(A1)", "''quoted"]) expect(csv).toContain(`,${cell},`);
    expect(csv).not.toMatch(/(^|,)[=+@\t\r-]/m);

    const dir = mkdtempSync(path.join(tmpdir(), 'bollard-csv-'));
    try {
      const file = path.join(dir, 'audit.csv');
      writeFileSync(file, csv);
      const verified = await runCli(['audit', 'verify', '--file', file]);
      expect(verified.stdout).toMatch(/Audit chain intact: \d+ records verified/);
      expect(verified.code).toBe(0);

      // The check is real: one character of a neutralised cell changed breaks the chain there.
      writeFileSync(file, csv.replace("'+1+1", "'+1+2"));
      const tampered = await runCli(['audit', 'verify', '--file', file]);
      expect(tampered.code).toBe(1);
      expect(tampered.stderr).toMatch(/audit chain broken at seq \d+ .*hash mismatch/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the data directory', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'bollard-modes-'));
  const dataDir = path.join(root, 'state', 'bollard');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is created 0700 with owner-only database files; a start warns when others can read it', async () => {
    const first = await startBollardProcess({ BOLLARD_DATA_DIR: dataDir });
    await first.stop();
    expect(modeOf(dataDir)).toBe('0700');
    expect(modeOf(path.join(dataDir, 'bollard.db'))).toBe('0600');
    expect(first.output()).not.toContain('readable by group or others');

    chmodSync(dataDir, 0o755);
    chmodSync(path.join(dataDir, 'bollard.db'), 0o644);
    const second = await startBollardProcess({ BOLLARD_DATA_DIR: dataDir });
    await second.stop();
    const warnings = second
      .output()
      .split('\n')
      .filter((line) => line.includes('readable by group or others'));
    expect(warnings.find((line) => /^\s+Warning\s+The data directory/.test(line))).toContain(
      `${dataDir} is readable by group or others (mode 0755); run: chmod 700 ${dataDir}`,
    );
    // The database file is tightened again; the directory is the operator's to change.
    expect(modeOf(path.join(dataDir, 'bollard.db'))).toBe('0600');
  }, 90_000);
});
