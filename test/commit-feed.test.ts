import { describe, expect, it } from 'vitest';
import { CommitFeed } from '../src/sinks/commit-feed.js';
import type { SinkRecord } from '../src/sinks/sink.js';
import type { CommittedLines } from '../src/store/types.js';

const lines = (firstSeq: number, count: number): CommittedLines => ({
  firstSeq,
  lines: Array.from({ length: count }, (_, i) => `{"seq":${firstSeq + i}}`).join('\n'),
});
const seqs = (records: readonly SinkRecord[] | null) => records?.map((r) => r.seq) ?? null;

describe('the commit feed window', () => {
  it('hands out the contiguous run after a cursor, never past a gap, and nothing it does not hold', () => {
    const feed = new CommitFeed(100);
    feed.add(lines(5, 3)); // 5, 6, 7
    feed.add(lines(9, 2)); // 9, 10: seq 8 was written elsewhere
    expect(seqs(feed.after(4, 10))).toEqual([5, 6, 7]);
    expect(seqs(feed.after(5, 1))).toEqual([6]);
    expect(feed.after(7, 10)).toBeNull(); // 8 is not here: the store has it
    expect(seqs(feed.after(8, 10))).toEqual([9, 10]);
    expect(feed.after(2, 10)).toBeNull(); // older than the window
    expect(feed.after(10, 10)).toBeNull(); // nothing newer yet
    // A seq at or below the newest held is never taken again.
    feed.add(lines(10, 2));
    expect(seqs(feed.after(8, 10))).toEqual([9, 10, 11]);
    expect(feed.after(4, 1)?.[0]?.record).toEqual({ seq: 5 });
    expect([feed.nextAfter(0), feed.nextAfter(7), feed.nextAfter(8), feed.nextAfter(11)]).toEqual([
      5,
      9,
      9,
      null,
    ]);
  });

  it('drops what every sink has delivered, and the oldest beyond its capacity', () => {
    const feed = new CommitFeed(10);
    feed.track('a');
    feed.track('b');
    feed.add(lines(1, 6));
    feed.delivered('a', 4);
    expect(feed.size).toBe(6); // b has not said where it is: nothing is dropped for a
    feed.delivered('b', 2);
    expect(feed.size).toBe(4);
    expect(feed.after(1, 10)).toBeNull();
    expect(seqs(feed.after(2, 10))).toEqual([3, 4, 5, 6]);
    feed.add(lines(7, 20));
    expect(feed.size).toBe(10);
    expect(seqs(feed.after(16, 100))).toEqual([17, 18, 19, 20, 21, 22, 23, 24, 25, 26]);
    expect(feed.after(15, 100)).toBeNull();
  });
});
