import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from './memory-storage';
import type { ConfState, Entry } from './messages';

const entry = (index: number, term: number): Entry => ({
  index,
  term,
  type: 'normal',
  data: new Uint8Array([index]),
});
const conf: ConfState = {
  voters: ['a'],
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
};

describe('createMemoryStorage', () => {
  it('starts empty', async () => {
    const storage = createMemoryStorage();
    expect(await storage.load()).toEqual({
      hardState: { term: 0, vote: null, commit: 0 },
      snapshot: null,
      entries: [],
    });
  });

  it('appends, replaces a conflicting tail and keeps the hard state', async () => {
    const storage = createMemoryStorage();
    await storage.write({
      hardState: { term: 1, vote: 'a', commit: 0 },
      entries: [entry(1, 1), entry(2, 1), entry(3, 1)],
      snapshot: null,
    });
    await storage.write({ hardState: null, entries: [entry(2, 2)], snapshot: null });
    const state = await storage.load();
    expect(state.entries.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(state.hardState).toEqual({ term: 1, vote: 'a', commit: 0 });
    expect(storage.writeCount()).toBe(2);
  });

  it('refuses a gap', async () => {
    const storage = createMemoryStorage();
    await expect(
      storage.write({ hardState: null, entries: [entry(2, 1)], snapshot: null }),
    ).rejects.toMatchObject({ code: 'RAFT_STORAGE_INVALID_WRITE' });
  });

  it('a received snapshot replaces the log; compaction keeps the entries after it', async () => {
    const storage = createMemoryStorage();
    await storage.write({
      hardState: null,
      entries: [entry(1, 1), entry(2, 1), entry(3, 1)],
      snapshot: null,
    });
    await storage.compact({ metadata: { index: 2, term: 1, conf }, data: new Uint8Array() });
    expect((await storage.load()).entries.map((e) => e.index)).toEqual([3]);
    await storage.write({
      hardState: null,
      entries: [entry(6, 2)],
      snapshot: { metadata: { index: 5, term: 2, conf }, data: new Uint8Array([9]) },
    });
    const state = await storage.load();
    expect(state.snapshot?.metadata.index).toBe(5);
    expect(state.entries.map((e) => e.index)).toEqual([6]);
  });

  it('a write that has not resolved is not durable', async () => {
    let release = () => {};
    const storage = createMemoryStorage({
      beforeSync: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    });
    const pending = storage.write({ hardState: null, entries: [entry(1, 1)], snapshot: null });
    await Promise.resolve();
    expect(storage.durable().entries).toEqual([]);
    await expect(
      storage.write({ hardState: null, entries: [entry(2, 1)], snapshot: null }),
    ).rejects.toMatchObject({ code: 'RAFT_STORAGE_INVALID_WRITE' });
    release();
    await pending;
    expect(storage.durable().entries.map((e) => e.index)).toEqual([1]);
  });
});
