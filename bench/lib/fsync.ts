import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from './load.js';

/**
 * The disk's durability floor: p50 of one small append + fdatasync to a file in the temp dir, in ms.
 * A write-ahead call cannot be answered faster than this plus the proxying itself.
 */
export function measureFsyncP50Ms(samples = 200): number {
  const dir = mkdtempSync(join(tmpdir(), 'bollard-fsync-'));
  const fd = openSync(join(dir, 'journal'), 'a');
  const line = Buffer.alloc(512, 'x');
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const start = process.hrtime.bigint();
      writeSync(fd, line);
      fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return percentile(
    times.sort((a, b) => a - b),
    0.5,
  );
}
