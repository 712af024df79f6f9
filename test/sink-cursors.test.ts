import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenedStore, selectedHarnesses } from './store-harness.js';

const inAMinute = () => new Date(Date.now() + 60_000).toISOString();
const aMinuteAgo = () => new Date(Date.now() - 60_000).toISOString();

/** The durable per-sink cursor and its lease, on every store. */
for (const harness of selectedHarnesses()) {
  describe(`sink cursors: ${harness.name}`, () => {
    let opened: OpenedStore;
    beforeAll(async () => {
      await harness.setup();
      opened = await harness.open();
    });
    afterAll(async () => {
      await opened?.close();
      await harness.teardown();
    });

    it('starts a new sink at 0, keeps its cursor across handles, and lists it', async () => {
      const { store } = opened;
      expect(await store.sinkCursors.claim('siem', 'owner-a', inAMinute(), false)).toBe(0);
      expect(await store.sinkCursors.advance('siem', 'owner-a', 42, inAMinute())).toBe(true);
      const other = await opened.reopen();
      expect(await other.sinkCursors.claim('siem', 'owner-a', inAMinute(), false)).toBe(42);
      const [listed] = await other.sinkCursors.list();
      expect(listed).toMatchObject({ name: 'siem', seq: 42, owner: 'owner-a' });
    });

    it('lets one owner hold a live lease; another takes over when it lapses, and the old one can no longer advance', async () => {
      const { store } = opened;
      expect(await store.sinkCursors.claim('mirror', 'owner-a', inAMinute(), false)).toBe(0);
      expect(await store.sinkCursors.claim('mirror', 'owner-b', inAMinute(), false)).toBeNull();
      await store.sinkCursors.claim('mirror', 'owner-a', aMinuteAgo(), false);
      expect(await store.sinkCursors.claim('mirror', 'owner-b', inAMinute(), false)).toBe(0);
      expect(await store.sinkCursors.advance('mirror', 'owner-a', 7, inAMinute())).toBe(false);
      expect(await store.sinkCursors.advance('mirror', 'owner-b', 7, inAMinute())).toBe(true);
      // A store only one process can open takes over a dead owner's lease at once.
      expect(await store.sinkCursors.claim('mirror', 'owner-c', inAMinute(), true)).toBe(7);
    });
  });
}
