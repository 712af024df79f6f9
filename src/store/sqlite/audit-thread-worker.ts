/**
 * The audit writer thread (see `AuditThread`): its own better-sqlite3 connection, whose synchronous
 * COMMIT and fsync block this thread instead of the proxy's event loop. Appends posted while a commit
 * runs wait in the port; the next turn commits all of them in one transaction, so a group holds
 * everything that arrived during the previous fsync. Answers go back in order, each after its commit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqlStore } from '../sql-store.js';
import type { AuditDraft } from '../types.js';
import type { AuditThreadOptions, ThreadReply, ThreadRequest } from './audit-thread.js';
import { SqliteDialect } from './sqlite-dialect.js';

const port = parentPort;
if (!port) throw new Error('audit-thread-worker runs as a worker thread');
const options = workerData as AuditThreadOptions;
const store = new SqlStore(new SqliteDialect({ ...options, auditThread: false }), {
  sharedAcrossProcesses: false,
  crossProcessNotifications: false,
  pipelinedAppends: false,
});

let queue: Array<{ id: number; drafts: readonly AuditDraft[] }> = [];
let scheduled = false;
let draining: Promise<void> = Promise.resolve();

async function drain(): Promise<void> {
  scheduled = false;
  const groups = queue;
  queue = [];
  if (groups.length === 0) return;
  const drafts = groups.length === 1 ? (groups[0]?.drafts ?? []) : groups.flatMap((g) => g.drafts);
  try {
    const rows = await store.appendAuditLinks(drafts);
    let at = 0;
    for (const { id, drafts: own } of groups) {
      const mine = rows.slice(at, at + own.length);
      at += own.length;
      const first = mine[0];
      const reply: ThreadReply = {
        id,
        ok: true,
        firstSeq: first?.seq ?? 0,
        prevHash: first?.prevHash ?? '',
        hashes: mine.map((r) => r.hash),
      };
      port?.postMessage(reply);
    }
  } catch (error) {
    const failure = {
      message: String((error as Error)?.message ?? error),
      code: (error as { code?: string })?.code,
    };
    for (const { id } of groups) port?.postMessage({ id, ok: false, error: failure } satisfies ThreadReply);
  }
}

port.on('message', (request: ThreadRequest) => {
  if (request.type === 'close') {
    draining = draining.then(drain).then(async () => {
      await store.close();
      port.close();
    });
    return;
  }
  queue.push(request);
  if (!scheduled) {
    scheduled = true;
    // After the messages already in the port: everything that arrived during the last commit goes in this one.
    setImmediate(() => {
      draining = draining.then(drain);
    });
  }
});
