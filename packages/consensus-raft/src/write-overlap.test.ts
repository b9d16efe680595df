import { describe, expect, it } from 'vitest';
import { createMemoryStorage, type MemoryStorage } from './memory-storage';
import type { RaftNode } from './raft-node';
import { startCluster as cluster, encode, idle } from './simulation/node-cluster';
import type { RaftWrite } from './storage';

/** Moves the manual clock 1 ms at a time, letting deliveries and writes run between steps. */
async function runMs(h: Awaited<ReturnType<typeof cluster>>, ms: number): Promise<void> {
  for (let t = 0; t < ms; t++) {
    h.clock.advance(1);
    await idle();
  }
}

/** A memory storage whose writes matching `held` wait, once closed, until it is opened again. */
function gatedStorage(held: (write: RaftWrite) => boolean) {
  const inner = createMemoryStorage();
  let open = true;
  let release: () => void = () => undefined;
  let opened = Promise.resolve();
  let waiting = 0;
  const storage: MemoryStorage = {
    ...inner,
    async write(write) {
      if (!open && held(write)) {
        waiting += 1;
        await opened;
        waiting -= 1;
      }
      return inner.write(write);
    },
  };
  return {
    storage,
    close() {
      open = false;
      opened = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    open() {
      open = true;
      release();
    },
    waiting: () => waiting,
  };
}

const values = (storage: MemoryStorage) =>
  storage
    .durable()
    .entries.filter((entry) => entry.data.byteLength > 0)
    .map((entry) => new TextDecoder().decode(entry.data));

describe('work that does not wait for a write in flight', () => {
  // No heartbeats within these tests: what moves, moves with the writes and messages under test.
  const noHeartbeats = { tickMs: 10_000 };

  it('a follower applies a committed entry while its disk still syncs the new commit index', async () => {
    const gate = gatedStorage((write) => write.entries.length === 0 && write.snapshot === null);
    const h = await cluster(['a', 'b', 'c'], noHeartbeats, (id) =>
      id === 'b' ? gate.storage : createMemoryStorage(),
    );
    h.network.setFaults({ minDelayMs: 1, maxDelayMs: 1 });
    const a = h.nodes.get('a') as RaftNode;
    a.campaign();
    await runMs(h, 10);
    expect(a.status()).toMatchObject({ role: 'leader', commit: 1 });

    gate.close();
    const proposed = a.propose(encode('moved'));
    await runMs(h, 6);
    expect((await proposed).index).toBe(2);
    // b wrote the entry, then learned it committed: that write (the commit index only) is held.
    expect(gate.waiting()).toBe(1);
    expect(h.machines.get('b')?.values()).toEqual(['moved']);
    expect(h.nodes.get('b')?.status()).toMatchObject({ commit: 2 });
    expect(h.storages.get('b')?.durable().hardState.commit).toBe(1);

    gate.open();
    await runMs(h, 3);
    expect(gate.waiting()).toBe(0);
    expect(h.storages.get('b')?.durable().hardState.commit).toBe(2);
  });

  it("a leader's entries reach its followers while its own write of them is in flight", async () => {
    const gate = gatedStorage((write) => write.entries.length > 0);
    const h = await cluster(['a', 'b', 'c'], noHeartbeats, (id) =>
      id === 'a' ? gate.storage : createMemoryStorage(),
    );
    h.network.setFaults({ minDelayMs: 1, maxDelayMs: 1 });
    const a = h.nodes.get('a') as RaftNode;
    a.campaign();
    await runMs(h, 10);
    expect(a.status()).toMatchObject({ role: 'leader', commit: 1 });

    gate.close();
    let outcome: number | undefined;
    void a.propose(encode('early')).then((applied) => {
      outcome = applied.index;
    });
    await runMs(h, 6);
    expect(gate.waiting()).toBe(1);
    // On the followers' disks, not yet on the leader's; a quorum of followers commits it.
    for (const id of ['b', 'c'])
      expect(values(h.storages.get(id) as MemoryStorage)).toEqual(['early']);
    expect(values(gate.storage)).toEqual([]);
    expect(a.status().commit).toBe(2);
    // The leader answers once its pump has finished the write it was in.
    expect(outcome).toBeUndefined();

    gate.open();
    await runMs(h, 6);
    expect(outcome).toBe(2);
    expect(values(gate.storage)).toEqual(['early']);
    for (const id of ['a', 'b', 'c']) expect(h.machines.get(id)?.values()).toEqual(['early']);
  });

  it("a follower's proposal goes to the leader while the follower's own write is in flight", async () => {
    const gate = gatedStorage(() => true);
    const h = await cluster(['a', 'b', 'c'], noHeartbeats, (id) =>
      id === 'b' ? gate.storage : createMemoryStorage(),
    );
    h.network.setFaults({ minDelayMs: 1, maxDelayMs: 1 });
    const a = h.nodes.get('a') as RaftNode;
    const b = h.nodes.get('b') as RaftNode;
    a.campaign();
    await runMs(h, 10);

    gate.close();
    void a.propose(encode('first'));
    await runMs(h, 2);
    // b is writing 'first' (held); its proposal must not wait for that.
    expect(gate.waiting()).toBe(1);
    const viaB = b.propose(encode('via-b'));
    await runMs(h, 8);
    expect(h.machines.get('a')?.values()).toEqual(['first', 'via-b']);
    expect(h.machines.get('c')?.values()).toEqual(['first', 'via-b']);

    gate.open();
    await runMs(h, 8);
    expect((await viaB).index).toBe(3);
    expect(h.machines.get('b')?.values()).toEqual(['first', 'via-b']);
  });
});
