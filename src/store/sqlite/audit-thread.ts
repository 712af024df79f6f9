import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../runtime/module-worker.js';
import type { AuditDraft, ChainLink } from '../types.js';

/** What the writer thread needs to open its own connection on the file. */
export interface AuditThreadOptions {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
}

/** Main thread → writer thread. */
export type ThreadRequest =
  | { type: 'append'; id: number; drafts: readonly AuditDraft[] }
  | { type: 'feed'; port: MessagePort }
  | { type: 'close' };

/** Writer thread → main thread: one answer per append, in the order they were posted. */
export type ThreadReply =
  | { id: number; ok: true; firstSeq: number; prevHash: string; hashes: string[] }
  | { id: number; ok: false; error: { message: string; code?: string } };

interface Waiting {
  /** The thread it was posted to: only that thread's death rejects it. */
  worker: Worker;
  count: number;
  resolve: (links: ChainLink[]) => void;
  reject: (error: unknown) => void;
}

/** The writer thread (see `startModuleWorker` for how it starts from source and from `dist/`). */
function startWorker(options: AuditThreadOptions): Worker {
  return startModuleWorker('./audit-thread-worker', import.meta.url, options);
}

export class AuditThreadStoppedError extends Error {
  constructor(detail: string) {
    super(`the audit writer thread stopped: ${detail}`);
    this.name = 'AuditThreadStoppedError';
  }
}

/**
 * The main thread's handle on the audit writer thread, which owns its own SQLite connection and is the
 * one place this process extends the chain from the proxy path. Appends are posted at once and answered
 * in order once durable; the thread commits whatever arrived while its previous commit was fsyncing, so
 * groups fill and commit in a pipeline. If the thread dies, every waiting append rejects (the gateway
 * answers 503) and the next append starts a new thread.
 */
export class AuditThread {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: AuditThreadOptions) {}

  /** Appends with the standard seal; resolves with each record's place in the chain once durable. */
  append(drafts: readonly AuditDraft[]): Promise<ChainLink[]> {
    if (this.closing) return Promise.reject(new AuditThreadStoppedError('closed'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<ChainLink[]>((resolve, reject) => {
      // Posted first: a draft that cannot be copied to the thread throws here and leaves nothing waiting.
      worker.postMessage({ type: 'append', id, drafts } satisfies ThreadRequest);
      if (this.waiting.size === 0) worker.ref();
      this.waiting.set(id, { worker, count: drafts.length, resolve, reject });
    });
  }

  /**
   * A port that receives every group this writer commits from now on (`CommittedLines[]`, in commit order),
   * so a reader on another thread gets the records as they become durable without reading them back.
   * Only this writer's commits: records written elsewhere (admin changes on the main connection) leave gaps
   * the reader fills from the store. The port closes when the writer thread stops; null once closing.
   */
  openFeed(): MessagePort | null {
    if (this.closing) return null;
    const worker = this.worker ?? this.start();
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ type: 'feed', port: port1 } satisfies ThreadRequest, [port1]);
    return port2;
  }

  /** Answers what is queued, then stops the thread and its connection. */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ type: 'close' } satisfies ThreadRequest);
    await exited;
  }

  private start(): Worker {
    const worker = startWorker(this.options);
    worker.unref();
    worker.on('message', (reply: ThreadReply) => this.answer(reply));
    // After an error or an exit the next append starts a new thread; appends posted to this one reject.
    worker.on('error', (error) => this.failAll(worker, error));
    worker.on('exit', (code) => this.failAll(worker, new AuditThreadStoppedError(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private answer(reply: ThreadReply): void {
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (!reply.ok) {
      waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      return;
    }
    const links: ChainLink[] = [];
    let prevHash = reply.prevHash;
    reply.hashes.forEach((hash, i) => {
      links.push({ seq: reply.firstSeq + i, prevHash, hash });
      prevHash = hash;
    });
    if (links.length !== waiting.count)
      waiting.reject(new Error('the audit thread sealed a different number of records'));
    else waiting.resolve(links);
  }

  private failAll(worker: Worker, error: unknown): void {
    if (this.worker === worker) this.worker = null;
    for (const [id, waiting] of this.waiting) {
      if (waiting.worker !== worker) continue;
      this.waiting.delete(id);
      waiting.reject(error);
    }
  }
}
