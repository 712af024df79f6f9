/**
 * The audit writer thread (see `AuditThread`): its own better-sqlite3 connection, whose synchronous
 * COMMIT and fsync block this thread instead of the proxy's event loop. Appends posted while a commit
 * runs wait in the port; the next turn commits all of them in one transaction, so a group holds
 * everything that arrived during the previous fsync. Answers go back in order, each after its commit.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { lineFromCanonical } from '../../audit/seal.js';
import type { EncodedRecord } from '../chain.js';
import { SqlStore } from '../sql-store.js';
import type { AuditDraft, CommittedLines } from '../types.js';
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
/** Commit feeds (`AuditThread.openFeed`): each gets every group's lines once it is durable. */
const feeds = new Set<MessagePort>();

/**
 * Committed groups are handed over at most this often: the reader's thread wakes a few dozen times a second
 * rather than once per commit (its sinks batch for far longer than this anyway).
 */
const FEED_INTERVAL_MS = 50;
/** Groups committed since the last hand-over; consecutive ones merged. */
let pending: Array<{ firstSeq: number; lines: string[] }> = [];
let lastFedAt = 0;
let feedTimer: NodeJS.Timeout | null = null;

/** Queues the group just committed for every feed, after the appenders have their answers. */
function feedCommitted(rows: readonly EncodedRecord[]): void {
  const first = rows[0];
  if (feeds.size === 0 || !first) return;
  const lines: string[] = [];
  for (const row of rows) {
    // Sealed with a custom function (tests only): the feed says nothing and readers use the store.
    if (row.canonical === undefined) return;
    lines.push(lineFromCanonical(row.canonical, row.hash));
  }
  const last = pending.at(-1);
  if (last && last.firstSeq + last.lines.length === first.seq) last.lines.push(...lines);
  else pending.push({ firstSeq: first.seq, lines });
  if (feedTimer) return;
  const wait = lastFedAt + FEED_INTERVAL_MS - Date.now();
  if (wait <= 0) flushFeeds();
  else {
    feedTimer = setTimeout(flushFeeds, wait);
    feedTimer.unref();
  }
}

/** Posts what is pending to every feed, as one message of `CommittedLines` groups. */
function flushFeeds(): void {
  if (feedTimer) clearTimeout(feedTimer);
  feedTimer = null;
  lastFedAt = Date.now();
  if (pending.length === 0) return;
  const message: CommittedLines[] = pending.map((group) => ({
    firstSeq: group.firstSeq,
    lines: group.lines.join('\n'),
  }));
  pending = [];
  for (const feed of feeds) feed.postMessage(message);
}

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
    feedCommitted(rows as EncodedRecord[]);
  } catch (error) {
    const failure = {
      message: String((error as Error)?.message ?? error),
      code: (error as { code?: string })?.code,
    };
    for (const { id } of groups) port?.postMessage({ id, ok: false, error: failure } satisfies ThreadReply);
  }
}

port.on('message', (request: ThreadRequest) => {
  if (request.type === 'feed') {
    const feed = request.port;
    feeds.add(feed);
    feed.on('close', () => feeds.delete(feed));
    // A feed never keeps this thread alive: it ends when the main thread closes it.
    feed.unref();
    return;
  }
  if (request.type === 'close') {
    draining = draining.then(drain).then(async () => {
      flushFeeds();
      for (const feed of feeds) feed.close();
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
