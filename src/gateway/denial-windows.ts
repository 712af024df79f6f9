import { randomBytes } from 'node:crypto';
import type { AuditDraft } from '../store/types.js';

/**
 * Windows of repeated denials, shared by callers without an agent (`anonymous-traffic.ts`) and agents
 * (`agent-denials.ts`). Per key, the first `inFull` denials of each window are recorded in full by the
 * caller; the rest are counted into the window, which becomes one aggregate record (its `count`, first
 * and last time) when it ends. Every denial is accounted for, in a chained record like any other.
 *
 * Memory is bounded: past `maxOpen` open windows, a denial whose key has none is counted into one shared
 * window (`sharedKey`), which its aggregate says. Aggregates are written lazily: nothing waits on them.
 * `flush()` ends every window at once (graceful shutdown); a process killed outright loses the counts of
 * the windows still open, never a record already written.
 */
export interface DenialWindowsOptions<S> {
  /** Length of a window. */
  windowMs: number;
  /** Denials per key and window recorded in full before the rest are counted. */
  inFull: number;
  /** Open windows at most; past it, new keys share one window. */
  maxOpen: number;
  /** The aggregate record of a window that counted calls. */
  aggregate(window: DenialWindow<S>): AuditDraft;
  /** Where aggregate records go (lazy: nothing waits on them). */
  append(draft: AuditDraft): Promise<unknown>;
  now(): number;
  onError(error: unknown): void;
}

/** One key's window. `state` is the caller's, set when it records or counts a call. */
export interface DenialWindow<S> {
  /** True for the window shared by keys past the `maxOpen` limit. */
  shared: boolean;
  /** Calls recorded in full in this window so far. */
  inFull: number;
  /** Calls counted into the aggregate (none while the window still records in full). */
  count: number;
  /** When the last counted call came (the first one's time is the caller's: its record's). */
  lastAt: number;
  state: S | undefined;
  timer: NodeJS.Timeout;
}

export class DenialWindows<S> {
  private readonly windows = new Map<string, DenialWindow<S>>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: DenialWindowsOptions<S>) {}

  /**
   * Takes one denial into the window of `key` (opened if need be, or the shared one past the limit). The
   * caller records the denial in full when the returned window's `count` is 0, and counts it otherwise.
   */
  take(key: string, sharedKey: string): DenialWindow<S> {
    let window = this.windows.get(key);
    if (window === undefined && this.windows.size >= this.options.maxOpen) {
      key = sharedKey;
      window = this.windows.get(key);
    }
    if (window === undefined) {
      const opened = key;
      const timer = setTimeout(() => this.end(opened), this.options.windowMs);
      timer.unref();
      window = {
        shared: key === sharedKey,
        inFull: 0,
        count: 0,
        lastAt: 0,
        state: undefined,
        timer,
      };
      this.windows.set(key, window);
    }
    if (window.count === 0 && window.inFull < this.options.inFull) {
      window.inFull++;
      return window;
    }
    window.count++;
    window.lastAt = this.options.now();
    return window;
  }

  /** Ends every open window now and waits until their aggregates are written (at shutdown, and in tests). */
  async flush(): Promise<void> {
    for (const [key, window] of this.windows) {
      clearTimeout(window.timer);
      this.end(key);
    }
    await Promise.all(this.pending);
  }

  /** Writes a record outside any window (lazily, like the aggregates). */
  write(draft: AuditDraft): void {
    const write = this.options
      .append(draft)
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  private end(key: string): void {
    const window = this.windows.get(key);
    this.windows.delete(key);
    if (window && window.count > 0) this.write(this.options.aggregate(window));
  }
}

/** The request id of an aggregate record: `agg_` and random. */
export function aggregateRequestId(): string {
  return `agg_${randomBytes(12).toString('base64url')}`;
}

/** What an aggregate record says of its calls, in `details.aggregate`. */
export function aggregateFacts(window: DenialWindow<unknown>, from: string): Record<string, unknown> {
  return {
    count: window.count,
    from,
    until: new Date(window.lastAt).toISOString(),
    ...(window.shared ? { shared: true } : {}),
  };
}
