import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { AuditSink, SinkRecord } from './sink.js';

export interface FileSinkOptions {
  name: string;
  /** The live file; rotated files are `<stem>.<time>.<last seq>.jsonl[.gz]` beside it. */
  path: string;
  maxBytes: number;
  maxAgeSeconds: number;
  gzip: boolean;
  fsync: boolean;
  batchSize: number;
  now?: () => number;
}

/** How much of the end of the live file is read to find its last record (records are a few KB at most). */
const TAIL_BYTES = 256 * 1024; // 256 KiB

/**
 * The audit log as JSON Lines files, one record per line exactly as exported (`bollard audit verify --file`
 * checks any of them on its own, checkpoints included). The live file rotates by size or age into
 * `<stem>.<time>.<last seq>.jsonl`, gzipped when `gzip` is on. After a crash it finds the last whole record it holds,
 * drops a torn last line, and the runner skips what is already there: every record once, in order.
 */
export class FileSink implements AuditSink {
  readonly name: string;
  readonly batchSize: number;
  private handle: FileHandle | null = null;
  private size = 0;
  private startedAt = 0;
  /** The last seq in the live file (it names the file when it rotates). */
  private lastSeq: number | null = null;
  private readonly now: () => number;

  constructor(private readonly options: FileSinkOptions) {
    this.name = options.name;
    this.batchSize = options.batchSize;
    this.now = options.now ?? Date.now;
  }

  private get file(): string {
    return path.resolve(this.options.path);
  }

  async open(): Promise<number | null> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await this.compressLeftovers();
    this.handle = await open(this.file, 'a+', 0o600);
    const info = await this.handle.stat();
    this.size = info.size;
    this.startedAt = info.size === 0 ? this.now() : info.birthtimeMs || info.mtimeMs;
    this.lastSeq = await this.lastSeqHeld();
    return this.lastSeq;
  }

  async deliver(records: readonly SinkRecord[]): Promise<number> {
    if (!this.handle) await this.open();
    if (
      this.size > 0 &&
      (this.size >= this.options.maxBytes || this.now() - this.startedAt >= this.options.maxAgeSeconds * 1000)
    )
      await this.rotate();
    let text = '';
    for (const record of records) text += `${record.line}\n`;
    const bytes = Buffer.from(text);
    await (this.handle as FileHandle).write(bytes, 0, bytes.length, null);
    if (this.options.fsync) await (this.handle as FileHandle).datasync();
    this.size += bytes.length;
    this.lastSeq = (records.at(-1) as SinkRecord).seq;
    return this.lastSeq;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }

  /** The seq of the last whole line; a torn last line (a crash mid-write) is cut off. */
  private async lastSeqHeld(): Promise<number | null> {
    const handle = this.handle as FileHandle;
    if (this.size === 0) return null;
    const length = Math.min(this.size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, this.size - length);
    const end = buffer.lastIndexOf(0x0a);
    if (end !== length - 1 && (end >= 0 || length === this.size)) {
      // Keep up to the last newline: the rest was a record half written.
      const keep = this.size - length + end + 1;
      await handle.truncate(keep);
      this.size = keep;
    }
    const text = buffer.subarray(0, end + 1).toString('utf8');
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    const last = lines.at(-1);
    if (!last) return null;
    try {
      const seq = (JSON.parse(last) as { seq?: unknown }).seq;
      return typeof seq === 'number' ? seq : null;
    } catch {
      return null;
    }
  }

  private rotatedName(): string {
    const { dir, name } = path.parse(this.file);
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
    // The last seq keeps two rotations in one millisecond apart, and sorts files of one time in chain order.
    return path.join(dir, `${name}.${stamp}.${String(this.lastSeq ?? 0).padStart(12, '0')}.jsonl`);
  }

  private async rotate(): Promise<void> {
    await this.close();
    const rotated = this.rotatedName();
    await rename(this.file, rotated);
    if (this.options.gzip) await gzipFile(rotated);
    this.handle = await open(this.file, 'a+', 0o600);
    this.size = 0;
    this.startedAt = this.now();
  }

  /** Rotated files a crash left uncompressed. */
  private async compressLeftovers(): Promise<void> {
    if (!this.options.gzip) return;
    const { dir, name } = path.parse(this.file);
    const prefix = `${name}.`;
    for (const entry of await readdir(dir)) {
      if (entry.startsWith(prefix) && entry.endsWith('.jsonl') && path.join(dir, entry) !== this.file)
        await gzipFile(path.join(dir, entry));
    }
  }
}

/** `file` → `file.gz` (written whole, then the original removed). */
async function gzipFile(file: string): Promise<void> {
  const target = `${file}.gz`;
  const partial = `${target}.partial`;
  await pipeline(createReadStream(file), createGzip(), createWriteStream(partial, { mode: 0o600 }));
  await rename(partial, target);
  await unlink(file);
}
