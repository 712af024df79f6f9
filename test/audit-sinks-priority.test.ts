import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';
import { type Harness, startHarness } from './support/harness.js';

vi.setConfig({ testTimeout: 60_000 });

/** Every thread of this process and its nice value, from /proc (Linux keeps one per thread). */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command's closing parenthesis start at the state (field 3); nice is field 19.
      nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return nices;
}

let h: Harness | null = null;
let dir: string | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startWithFileSink(nice?: number): Promise<Harness> {
  dir = mkdtempSync(path.join(tmpdir(), 'bollard-sinks-priority-'));
  h = await startHarness({
    config: {
      auditSinks: [{ type: 'file', name: 'archive', path: path.join(dir, 'audit.jsonl'), batchSize: 5 }],
      ...(nice === undefined ? {} : { auditSinksNice: nice }),
    },
    app: { sinks: { pollMs: 20 } },
  });
  // The thread lowers its priority before it starts its sinks: once a sink holds its cursor, it is done.
  const harness = h;
  await vi.waitFor(async () => expect(await harness.app.store.sinkCursors.list()).toHaveLength(1), 20_000);
  return harness;
}

describe.runIf(process.platform === 'linux')('the audit sinks thread runs below the proxy', () => {
  it('at nice 10 by default: that thread alone, while the main thread and every other thread keep nice 0', async () => {
    const before = threadNices();
    expect([...before.values()].every((nice) => nice === 0)).toBe(true);
    const harness = await startWithFileSink();
    const nices = threadNices();
    const lowered = [...nices].filter(([, nice]) => nice !== 0);
    console.log(`${nices.size} threads; lowered: ${JSON.stringify(lowered)}`);
    expect(lowered).toHaveLength(1);
    expect(lowered[0]?.[1]).toBe(10);
    expect(nices.get(process.pid)).toBe(0);
    // The process's shared thread pool (file, DNS, crypto work) was not created by it and kept its priority.
    expect(lowered[0]?.[0]).not.toBe(process.pid);

    // Lowered, it still delivers: a call's records reach the file.
    const sdk = harness.sdk(await harness.agent('reader', ['organizations:read']));
    await sdk.organizations.listOrganizations({ limit: 1 });
    await harness.app.audit.flush();
    const head = (await harness.app.store.auditBounds()).lastSeq;
    await vi.waitFor(
      async () => expect((await harness.app.store.sinkCursors.list())[0]?.seq).toBe(head),
      20_000,
    );
    const lines = readFileSync(path.join(dir as string, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(JSON.parse(lines.at(-1) as string).seq).toBe(head);
  });

  it('BOLLARD_AUDIT_SINKS_NICE=0 leaves it at the proxy priority', async () => {
    await startWithFileSink(0);
    expect([...threadNices().values()].filter((nice) => nice !== 0)).toEqual([]);
  });
});

describe('BOLLARD_AUDIT_SINKS_NICE', () => {
  it('takes 0–19 and refuses anything else by its name', () => {
    expect(loadConfig({}, {}).auditSinksNice).toBe(10);
    expect(loadConfig({}, { BOLLARD_AUDIT_SINKS_NICE: '19' }).auditSinksNice).toBe(19);
    for (const bad of ['20', '-1', '2.5', 'low']) {
      let error: unknown;
      try {
        loadConfig({}, { BOLLARD_AUDIT_SINKS_NICE: bad });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n')).toContain('BOLLARD_AUDIT_SINKS_NICE');
    }
  });
});
