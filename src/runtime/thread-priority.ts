import { readlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';

/** The highest nice value Linux takes: the thread runs only on what nothing else wants. */
export const MAX_NICE = 19;

/**
 * Lowers the scheduling priority of the calling thread alone (Linux keeps a nice value per thread): its work
 * then waits for the cores whenever the proxy's threads want them, and takes what they leave. Answers the
 * thread's nice value, or null where that cannot be done (not Linux, no `/proc/thread-self`). Never raises
 * a priority. The process's shared thread pool is created by its first user and inherits that thread's
 * priority, so it is made to exist first: file, DNS and crypto work of the whole process keeps its own.
 * @example await lowerThreadPriority(10); // on the audit sinks thread
 */
export async function lowerThreadPriority(nice: number): Promise<number | null> {
  if (process.platform !== 'linux' || nice <= 0) return null;
  await stat(process.cwd()).catch(() => undefined);
  try {
    // `<pid>/task/<tid>`: the calling thread's own id, which setpriority(2) takes for that thread alone.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    const target = Math.min(nice, MAX_NICE);
    if (getPriority(tid) < target) setPriority(tid, target);
    return getPriority(tid);
  } catch {
    return null;
  }
}
