import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFileStorage, StorageCorruptError } from './file-storage';
import { encodeSnapshot, snapshotFileName } from './internal/snapshot-file';
import { createMemoryStorage } from './memory-storage';
import type { Entry, HardState, Snapshot } from './messages';
import type { RaftStorage, RaftWrite } from './storage';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'varplane-file-storage-'));
  dirs.push(dir);
  return dir;
}

const conf = {
  voters: ['a', 'b', 'c'],
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
};
const entry = (index: number, term: number, text = `e${index}t${term}`): Entry => ({
  index,
  term,
  type: 'normal',
  data: new TextEncoder().encode(text),
});
const snapshotAt = (index: number, term: number): Snapshot => ({
  metadata: { index, term, conf },
  data: new TextEncoder().encode(`state@${index}`),
});
const hard = (term: number, commit: number, vote: string | null = 'a'): HardState => ({
  term,
  vote,
  commit,
});
const appendWrite = (entries: Entry[], hardState: HardState | null = null): RaftWrite => ({
  hardState,
  entries,
  snapshot: null,
});

async function reopen(dir: string, options: { onCorruption?: 'refuse' | 'truncate' } = {}) {
  const storage = createFileStorage({ dir, segmentBytes: 1024, ...options });
  const state = await storage.load();
  return { storage, state };
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.wal')).sort();
}

describe('createFileStorage', () => {
  it('loads what it wrote after a restart, like the memory storage', async () => {
    const operations = fc.array(
      fc.oneof(
        fc.record({
          kind: fc.constant('append' as const),
          count: fc.integer({ min: 1, max: 12 }),
          back: fc.integer({ min: 0, max: 4 }),
          bump: fc.boolean(),
        }),
        fc.record({ kind: fc.constant('compact' as const), back: fc.integer({ min: 0, max: 6 }) }),
        fc.record({
          kind: fc.constant('install' as const),
          ahead: fc.integer({ min: 1, max: 20 }),
        }),
        fc.record({ kind: fc.constant('restart' as const) }),
      ),
      { minLength: 1, maxLength: 25 },
    );
    await fc.assert(
      fc.asyncProperty(operations, async (ops) => {
        const dir = await tempDir();
        const memory = createMemoryStorage();
        await memory.load();
        let { storage } = await reopen(dir);
        let term = 1;
        let commit = 0;
        for (const op of ops) {
          const durable = memory.durable();
          const first = (durable.snapshot?.metadata.index ?? 0) + 1;
          const last = first + durable.entries.length - 1;
          if (op.kind === 'append') {
            if (op.bump) term += 1;
            // Overwrite a few uncommitted entries now and then, as a follower does.
            const start = Math.max(first, commit + 1, last + 1 - op.back);
            const entries = Array.from({ length: op.count }, (_, i) => entry(start + i, term));
            commit = Math.max(commit, start - 1);
            const write = appendWrite(entries, hard(term, commit));
            await memory.write(write);
            await storage.write(write);
          } else if (op.kind === 'compact') {
            const index = Math.max(first - 1, Math.min(commit, last) - op.back);
            if (index < first) continue;
            const at = durable.entries.find((e) => e.index === index) as Entry;
            await memory.compact(snapshotAt(index, at.term));
            await storage.compact(snapshotAt(index, at.term));
          } else if (op.kind === 'install') {
            term += 1;
            const index = last + op.ahead;
            commit = index;
            const write = {
              hardState: hard(term, index),
              entries: [entry(index + 1, term)],
              snapshot: snapshotAt(index, term),
            };
            await memory.write(write);
            await storage.write(write);
          } else {
            await storage.close();
            const reopened = await reopen(dir);
            storage = reopened.storage;
            expect(reopened.state).toEqual(memory.durable());
          }
        }
        await storage.close();
        expect((await reopen(dir)).state).toEqual(memory.durable());
      }),
      { seed: 42, numRuns: 25 },
    );
  }, 30_000);

  it('makes each write durable with exactly one fdatasync', async () => {
    const dir = await tempDir();
    const storage = createFileStorage({ dir });
    await storage.load();
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const spy = vi.spyOn(proto, 'datasync');
    try {
      for (let i = 1; i <= 20; i += 1) {
        await storage.write(
          appendWrite(
            [entry(3 * i - 2, 1), entry(3 * i - 1, 1), entry(3 * i, 1)],
            hard(1, 3 * i - 3),
          ),
        );
      }
      expect(spy).toHaveBeenCalledTimes(20);
    } finally {
      spy.mockRestore();
      await storage.close();
    }
  });

  it('rolls segments and deletes the ones a snapshot covers', async () => {
    const dir = await tempDir();
    const { storage } = await reopen(dir);
    for (let i = 1; i <= 200; i += 1)
      await storage.write(appendWrite([entry(i, 1, 'x'.repeat(40))], hard(1, i)));
    const before = await segmentFiles(dir);
    expect(before.length).toBeGreaterThan(5);
    await storage.compact(snapshotAt(150, 1));
    const after = await segmentFiles(dir);
    expect(after.length).toBeLessThan(before.length);
    expect(after.at(-1)).toBe(before.at(-1));
    await storage.close();
    const { state } = await reopen(dir);
    expect(state.snapshot?.metadata.index).toBe(150);
    expect(state.entries.map((e) => e.index)).toEqual(
      Array.from({ length: 50 }, (_, i) => 151 + i),
    );
    expect(state.hardState).toEqual(hard(1, 200));
  }, 20_000);

  it('truncates a torn tail: a cut inside the last write keeps only its whole records before the cut', async () => {
    const dir = await tempDir();
    const { storage } = await reopen(dir);
    await storage.write(appendWrite([entry(1, 1), entry(2, 1)], hard(1, 1)));
    const [segment] = await segmentFiles(dir);
    const path = join(dir, segment as string);
    const durableSize = (await stat(path)).size;
    await storage.write(appendWrite([entry(3, 1), entry(4, 1)], hard(1, 3)));
    await storage.close();
    const fullSize = (await stat(path)).size;
    const original = await readFile(path);
    for (let cut = durableSize + 1; cut < fullSize; cut += 7) {
      await writeFile(path, original.subarray(0, cut));
      const { storage: reopened, state } = await reopen(dir);
      // Records are framed one by one: the whole ones before the cut survive, in order.
      const indexes = state.entries.map((e) => e.index);
      expect(indexes).toEqual([1, 2, 3, 4].slice(0, indexes.length));
      expect(indexes.length).toBeGreaterThanOrEqual(2);
      expect(state.hardState).not.toEqual(hard(1, 3));
      expect((await stat(path)).size).toBeLessThanOrEqual(cut);
      // The storage appends after the repaired tail.
      await reopened.write(appendWrite([entry(state.entries.length + 1, 2)], hard(2, 1)));
      await reopened.close();
      expect((await reopen(dir)).state.entries.at(-1)).toEqual(entry(state.entries.length + 1, 2));
    }
  });

  it('refuses a flipped bit inside the log, changing nothing, and truncates there when told to', async () => {
    const dir = await tempDir();
    const { storage } = await reopen(dir);
    for (let i = 1; i <= 10; i += 1)
      await storage.write(appendWrite([entry(i, 1)], hard(1, i - 1)));
    await storage.close();
    const path = join(dir, (await segmentFiles(dir))[0] as string);
    const bytes = await readFile(path);
    // Flip one bit in the data of entry 5 (the fifth entry record, after the header record).
    const damaged = Buffer.from(bytes);
    const offset = bytes.indexOf(Buffer.from('e5t1'));
    damaged[offset] = (damaged[offset] as number) ^ 0x04;
    await writeFile(path, damaged);

    const refusing = createFileStorage({ dir });
    const error = await refusing.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageCorruptError);
    expect(error).toMatchObject({ code: 'RAFT_STORAGE_CORRUPT', path });
    expect((error as StorageCorruptError).offset).toBeLessThan(offset);
    expect(await readFile(path)).toEqual(damaged);

    const { state } = await reopen(dir, { onCorruption: 'truncate' });
    expect(state.entries.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    expect(state.hardState).toEqual(hard(1, 3));
  });

  it('refuses a flipped bit in the length of a record in an older segment', async () => {
    const dir = await tempDir();
    const { storage } = await reopen(dir);
    for (let i = 1; i <= 60; i += 1)
      await storage.write(appendWrite([entry(i, 1, 'y'.repeat(40))], hard(1, i)));
    await storage.close();
    const [firstSegment] = await segmentFiles(dir);
    const path = join(dir, firstSegment as string);
    const bytes = Buffer.from(await readFile(path));
    bytes[bytes.byteLength - 60] = (bytes[bytes.byteLength - 60] as number) ^ 0x80;
    await writeFile(path, bytes);
    await expect(createFileStorage({ dir }).load()).rejects.toMatchObject({
      code: 'RAFT_STORAGE_CORRUPT',
    });
  });

  it('refuses a damaged snapshot file', async () => {
    const dir = await tempDir();
    const { storage } = await reopen(dir);
    await storage.write(appendWrite([entry(1, 1), entry(2, 1)], hard(1, 2)));
    await storage.compact(snapshotAt(2, 1));
    await storage.close();
    const name = (await readdir(dir)).find((n) => n.endsWith('.snap')) as string;
    const bytes = Buffer.from(await readFile(join(dir, name)));
    bytes[bytes.byteLength - 1] = (bytes[bytes.byteLength - 1] as number) ^ 1;
    await writeFile(join(dir, name), bytes);
    await expect(createFileStorage({ dir }).load()).rejects.toMatchObject({
      code: 'RAFT_STORAGE_CORRUPT',
      path: join(dir, name),
    });
  });

  it('ignores an installed snapshot whose log record never became durable', async () => {
    const dir = await tempDir();
    const { storage } = await reopen(dir);
    await storage.write(appendWrite([entry(1, 1), entry(2, 1)], hard(1, 1)));
    await storage.close();
    // The crash came after the snapshot file was renamed into place, before the log was synced.
    const orphan = snapshotAt(50, 3);
    await writeFile(
      join(dir, snapshotFileName(orphan.metadata, 'install')),
      encodeSnapshot(orphan),
    );
    await writeFile(join(dir, 'leftover.snap.tmp'), 'partial');
    const { state } = await reopen(dir);
    expect(state.snapshot).toBeNull();
    expect(state.entries.map((e) => e.index)).toEqual([1, 2]);
    expect((await readdir(dir)).filter((n) => !n.endsWith('.wal'))).toEqual([]);
  });

  it('refuses bad options and misuse with typed errors', async () => {
    expect(() => createFileStorage({ dir: '' })).toThrow(
      expect.objectContaining({
        code: 'RAFT_INVALID_OPTIONS',
        message: 'createFileStorage: dir must be a non-empty path, got ""',
      }),
    );
    expect(() => createFileStorage({ dir: '/tmp/x', segmentBytes: 10 })).toThrow(
      /segmentBytes must be an integer >= 1024, got 10/,
    );
    expect(() => createFileStorage({ dir: '/tmp/x', onCorruption: 'ignore' as never })).toThrow(
      /onCorruption/,
    );
    const dir = await tempDir();
    const storage: RaftStorage = createFileStorage({ dir });
    await expect(storage.write(appendWrite([entry(1, 1)]))).rejects.toMatchObject({
      code: 'RAFT_STORAGE_INVALID_WRITE',
    });
    await storage.load();
    await expect(storage.load()).rejects.toMatchObject({ code: 'RAFT_STORAGE_INVALID_WRITE' });
    await expect(storage.write(appendWrite([entry(2, 1)]))).rejects.toThrow(
      /outside the stored log/,
    );
    await storage.close();
    await expect(storage.write(appendWrite([entry(1, 1)]))).rejects.toThrow(/closed/);
  });
});
