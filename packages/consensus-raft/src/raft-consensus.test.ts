import { createSimpleMajority, establishConsensus } from '@varplane/coordination';
import { describeStrategyConformance } from '@varplane/coordination/testing';
import { createRandom, createStrategyRegistry, systemClock, VarplaneError } from '@varplane/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStorage } from './memory-storage';
import { createRaftConsensus } from './raft-consensus';
import { type RaftNode, startRaftNode } from './raft-node';
import { createSimulatedNetwork } from './simulated-network';
import { startCluster } from './simulation/node-cluster';

// The conformance kit drives its own manual clock; the node runs on real time, and as the only
// voter it commits within a few microtasks, so each decision settles between the kit's steps.
const network = createSimulatedNetwork({ clock: systemClock, random: createRandom(1) });
const node: RaftNode = await startRaftNode({
  id: 'solo',
  peers: ['solo'],
  storage: createMemoryStorage(),
  transport: network.transport('solo'),
  clock: systemClock,
  random: createRandom(2),
});
node.campaign();
afterAll(() => node.stop());

describeStrategyConformance(createRaftConsensus({ node, decideWith: createSimpleMajority() }));

describe('createRaftConsensus', () => {
  beforeAll(async () => {
    while (node.status().role !== 'leader') await new Promise((r) => setTimeout(r, 1));
  });

  it("establishConsensus with algorithm 'raft' returns increasing log indexes", async () => {
    const registry = createStrategyRegistry().register(
      createRaftConsensus({ node, decideWith: createSimpleMajority() }),
    );
    const indexes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const outcome = await establishConsensus(
        ['a', 'b', 'c'],
        { [`k${i}`]: i },
        {
          registry,
          algorithm: 'raft',
          votes: ['a', 'b', 'c'].map((agent) => ({ agent, approve: true })),
          proposalId: `p${i}`,
        },
      );
      expect(outcome.algorithm).toBe('raft');
      expect(outcome.accepted).toEqual({ [`k${i}`]: i });
      indexes.push(outcome.index as number);
    }
    for (let i = 1; i < indexes.length; i++) {
      expect(indexes[i]).toBeGreaterThan(indexes[i - 1] as number);
    }
  });

  it('with only a minority alive, rejects with a typed error within its timeout', async () => {
    const h = await startCluster(['a', 'b', 'c']);
    h.nodes.get('a')?.campaign();
    await h.run(50);
    h.network.partition(['a'], ['b', 'c']);
    await h.nodes.get('b')?.stop();
    await h.nodes.get('c')?.stop();
    await h.run(100);
    const registry = createStrategyRegistry().register(
      createRaftConsensus({
        node: h.nodes.get('a') as RaftNode,
        decideWith: createSimpleMajority(),
      }),
    );
    const started = h.clock.now();
    const settled = establishConsensus(
      ['x', 'y'],
      { k: 1 },
      {
        registry,
        algorithm: 'raft',
        votes: [
          { agent: 'x', approve: true },
          { agent: 'y', approve: true },
        ],
        clock: h.clock,
        timeoutMs: 300,
      },
    ).catch((error: unknown) => error);
    await h.run(400);
    const error = await settled;
    expect(VarplaneError.isInstance(error)).toBe(true);
    expect(['RAFT_NO_QUORUM', 'RAFT_TIMEOUT', 'STRATEGY_TIMEOUT']).toContain(
      (error as VarplaneError).code,
    );
    expect(h.clock.now() - started).toBeLessThanOrEqual(400);
  });

  it('refuses a decideWith that is not a consensus strategy', () => {
    expect(() =>
      createRaftConsensus({ node, decideWith: { kind: 'negotiation' } as never }),
    ).toThrow(expect.objectContaining({ code: 'RAFT_INVALID_OPTIONS' }));
  });
});
