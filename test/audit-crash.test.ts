import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { type BollardProcess, startBollardProcess } from './support/processes.js';

describe('write-ahead audit survives kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bollard-crash-'));
  let bollard: BollardProcess | null = null;

  afterAll(async () => {
    await bollard?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every call that was answered after reaching WorkOS has its call record on disk, with 0 lost', async () => {
    bollard = await startBollardProcess({}, ['--data-dir', dataDir, '--log-level', 'warn']);
    const token = bollard.output().match(/support-bot[^\n]*\n\s+(bol_\S+)/)?.[1];
    expect(token).toBeDefined();
    const answered: string[] = [];
    let stop = false;
    // 16 clients call in a loop; SIGKILL lands while groups are being committed by the writer thread.
    const client = async () => {
      while (!stop) {
        const response = await fetch(`${bollard?.proxyUrl}/organizations`, {
          headers: { authorization: `Bearer ${token}` },
        }).catch(() => null);
        if (!response) return;
        await response.arrayBuffer().catch(() => undefined);
        if (response.status === 200) answered.push(response.headers.get('x-bollard-request-id') ?? '');
      }
    };
    const clients = Array.from({ length: 16 }, client);
    while (answered.length < 300) await new Promise((resolve) => setTimeout(resolve, 10));
    const exited = new Promise((resolve) => bollard?.child.once('exit', resolve));
    bollard.child.kill('SIGKILL');
    await exited;
    bollard = null;
    stop = true;
    await Promise.all(clients);

    const db = new Database(join(dataDir, 'bollard.db'), { readonly: true });
    try {
      const recorded = new Set(
        (
          db.prepare("SELECT request_id FROM audit WHERE kind = 'call'").all() as { request_id: string }[]
        ).map((r) => r.request_id),
      );
      const lost = answered.filter((id) => !recorded.has(id));
      expect(answered.length).toBeGreaterThanOrEqual(300);
      expect(lost).toEqual([]);
    } finally {
      db.close();
    }
  }, 60_000);
});
