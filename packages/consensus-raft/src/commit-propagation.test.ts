import { describe, expect, it } from 'vitest';
import type { RaftNode } from './raft-node';
import { startCluster as cluster, encode, idle } from './simulation/node-cluster';

/** Moves the manual clock 1 ms at a time, letting deliveries and writes run between steps. */
async function runMs(h: Awaited<ReturnType<typeof cluster>>, ms: number): Promise<void> {
  for (let t = 0; t < ms; t++) {
    h.clock.advance(1);
    await idle();
  }
}

describe('commit propagation', () => {
  // Ticks every 10 s: within these tests no heartbeat is ever sent, so whatever a follower
  // learns of the commit index came with the leader's prompt appends.
  const noHeartbeats = { tickMs: 10_000 };

  it('followers apply a committed entry within a round trip, without waiting for a heartbeat', async () => {
    const h = await cluster(['a', 'b', 'c'], noHeartbeats);
    h.network.setFaults({ minDelayMs: 1, maxDelayMs: 1 });
    const a = h.nodes.get('a') as RaftNode;
    a.campaign();
    await runMs(h, 10);
    expect(a.status()).toMatchObject({ role: 'leader', commit: 1 });

    const proposed = a.propose(encode('moved'));
    // 1 ms to reach the followers, 1 ms back, 1 ms for the new commit index to reach them.
    await runMs(h, 4);
    const { index } = await proposed;
    expect(index).toBe(2);
    expect(h.clock.now()).toBeLessThan(10_000);
    for (const id of ['b', 'c']) {
      expect(h.nodes.get(id)?.status()).toMatchObject({ commit: 2, applied: 2 });
      expect(h.machines.get(id)?.values()).toEqual(['moved']);
    }
  });

  it('a proposal forwarded by a follower resolves there within two round trips', async () => {
    const h = await cluster(['a', 'b', 'c'], noHeartbeats);
    h.network.setFaults({ minDelayMs: 1, maxDelayMs: 1 });
    (h.nodes.get('a') as RaftNode).campaign();
    await runMs(h, 10);

    const started = h.clock.now();
    let resolvedAt: number | undefined;
    let index: number | undefined;
    void h.nodes
      .get('b')
      ?.propose(encode('via-b'))
      .then((applied) => {
        resolvedAt = h.clock.now();
        index = applied.index;
      });
    await runMs(h, 6);
    expect(index).toBe(2);
    // Forward, replicate, acknowledge, learn the commit: four one-way hops of 1 ms.
    expect((resolvedAt ?? Infinity) - started).toBeLessThanOrEqual(5);
    expect(h.nodes.get('b')?.status().applied).toBe(2);
  });
});
