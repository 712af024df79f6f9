import type { CommittedLines } from '../store/types.js';
import { SinkRecord } from './sink.js';

/** Most records kept for sinks that are behind: beyond it they read the store (about 1 KB each). */
export const DEFAULT_FEED_CAPACITY = 5_000;

/**
 * The records the audit writer committed, as its commit feed handed them over (`Store.openCommitFeed`),
 * kept until every sink has delivered them or the window is full. A sink asks for the records after its
 * cursor: when the window holds the very next seq it gets the contiguous run from there, already encoded;
 * otherwise (it is further behind, the feed started later, or records were written outside the writer) it
 * reads the store. Nothing in the window is ever trusted past a gap.
 * @example const feed = new CommitFeed(); port.on('message', (m) => feed.add(m)); feed.after(cursor, 500);
 */
export class CommitFeed {
  private items: SinkRecord[] = [];
  /** Index of the first live item (items before it were dropped and await compaction). */
  private start = 0;
  /** Each sink's cursor, as last reported: the window is pruned up to the lowest. */
  private readonly cursors = new Map<string, number>();
  /** Records handed out from the window (the store was not read for them). */
  served = 0;

  constructor(private readonly capacity = DEFAULT_FEED_CAPACITY) {}

  /** One commit's records, in order. */
  add(message: CommittedLines): void {
    const last = this.lastSeq();
    const lines = message.lines.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const seq = message.firstSeq + i;
      // Seqs only grow along one writer's commits; anything else is not trusted.
      if (last !== null && seq <= last) continue;
      this.items.push(new SinkRecord(seq, lines[i] as string));
    }
    const excess = this.items.length - this.start - this.capacity;
    if (excess > 0) this.start += excess;
    this.compact();
  }

  /** Up to `limit` consecutive records from `cursor + 1`, or null when the window does not hold that seq. */
  after(cursor: number, limit: number): SinkRecord[] | null {
    const at = this.firstAbove(cursor);
    if ((this.items[at] as SinkRecord | undefined)?.seq !== cursor + 1) return null;
    const out: SinkRecord[] = [];
    for (let i = at; i < this.items.length && out.length < limit; i++) {
      const item = this.items[i] as SinkRecord;
      if (item.seq !== cursor + 1 + out.length) break;
      out.push(item);
    }
    this.served += out.length;
    return out;
  }

  /**
   * The first seq after `cursor` the window holds, or null: a sink reading the store for a gap reads only
   * up to it.
   */
  nextAfter(cursor: number): number | null {
    return (this.items[this.firstAbove(cursor)] as SinkRecord | undefined)?.seq ?? null;
  }

  /** A sink takes records from the window: nothing is dropped for it until it says where it is. */
  track(sink: string): void {
    if (!this.cursors.has(sink)) this.cursors.set(sink, 0);
  }

  /** A sink's cursor moved: records every sink has delivered leave the window. */
  delivered(sink: string, cursor: number): void {
    this.cursors.set(sink, cursor);
    const lowest = Math.min(...this.cursors.values());
    while (this.start < this.items.length && (this.items[this.start] as SinkRecord).seq <= lowest)
      this.start++;
    this.compact();
  }

  /** How many records the window holds. */
  get size(): number {
    return this.items.length - this.start;
  }

  private lastSeq(): number | null {
    return this.items.length > this.start ? (this.items.at(-1) as SinkRecord).seq : null;
  }

  /** The index of the first live item with a seq above `cursor` (they are sorted, with gaps); the end if none. */
  private firstAbove(cursor: number): number {
    let low = this.start;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.items[mid] as SinkRecord).seq <= cursor) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private compact(): void {
    if (this.start > 1_024 && this.start * 2 > this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
  }
}
