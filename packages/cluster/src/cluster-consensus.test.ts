import { VarplaneError } from '@varplane/core';
import { type NatsCluster, startNatsCluster } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../test/eventually';
import { clusterConsensus } from './cluster-consensus';
import { type ClusterNode, startClusterNode } from './cluster-node';

describe('clusterConsensus: establishConsensus with raft across the cluster nodes', () => {
  let nats: NatsCluster;
  const nodes: ClusterNode[] = [];

  beforeAll(async () => {
    nats = await startNatsCluster({ size: 3 });
    const peers = ['n1', 'n2', 'n3'];
    for (const [i, node] of peers.entries()) {
      const member = await startClusterNode({
        cluster: 'cc',
        node,
        servers: nats.urls[i] ?? '',
        peers,
        tickMs: 50,
      });
      nodes.push(member);
    }
    await eventually(
      () => nodes.filter((n) => n.raft?.status().role === 'leader').length,
      (leaders) => leaders === 1,
      15_000,
    );
  }, 60_000);
  afterAll(async () => {
    for (const node of nodes) await node.stop().catch(() => undefined);
    await nats?.stop();
  });

  it('three nodes that agree: the accepted changes are committed to every node log', async () => {
    const outcome = await clusterConsensus(
      nodes,
      { topology: 'star', maxAgents: 5 },
      { via: 'n2' },
    );
    expect(outcome.algorithm).toBe('raft');
    expect(outcome.accepted).toEqual({ topology: 'star', maxAgents: 5 });
    expect(outcome.tally).toEqual({ for: 3, against: 0, absent: 0, total: 3 });
    const index = outcome.index as number;
    expect(index).toBeGreaterThan(0);
    // A majority holds it when the call resolves; every node applies it soon after.
    await eventually(
      () => nodes.map((n) => (n.raft?.status().applied ?? 0) >= index),
      (done) => done.every(Boolean),
      5_000,
    );
    const next = await clusterConsensus(nodes, { topology: 'mesh' });
    expect(next.index as number).toBeGreaterThan(index);
  }, 20_000);

  it('votes come from each node: a rejection counts against, a hung or throwing vote absent', async () => {
    const outcome = await clusterConsensus(
      nodes,
      { budget: 10 },
      {
        voteTimeoutMs: 300,
        vote: (node) => {
          if (node === 'n2') return new Promise(() => undefined);
          if (node === 'n3') throw new Error('voter crashed');
          return true;
        },
        quorum: 0.3,
      },
    );
    expect(outcome.accepted).toEqual({ budget: 10 });
    expect(outcome.absent).toEqual(['n2', 'n3']);
    expect(outcome.ballots.map((b) => b.type)).toEqual(['vote-cast', 'vote-missed', 'vote-missed']);
    const refused = await clusterConsensus(
      nodes,
      { budget: 20 },
      { vote: (node) => node === 'n1' },
    );
    expect(refused.accepted).toEqual({});
    expect(refused.rejected).toEqual(['budget']);
    expect(refused.index).toBeUndefined();
  }, 20_000);

  it('refuses bad input with CLUSTER_INVALID_ARGUMENT naming the field and value', async () => {
    await expect(clusterConsensus([], { a: 1 })).rejects.toMatchObject({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: expect.stringMatching(/nodes/),
    });
    await expect(clusterConsensus(nodes, { a: 1 }, { via: 'n9' })).rejects.toMatchObject({
      message: expect.stringMatching(/options\.via must be one of \["n1","n2","n3"\] \(got "n9"\)/),
    });
    await expect(clusterConsensus(nodes, { a: 1 }, { timeoutMs: 0 })).rejects.toMatchObject({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: expect.stringMatching(/options\.timeoutMs.*0/),
    });
    await expect(
      clusterConsensus(nodes, { a: 1 }, { strategy: 'x' } as never),
    ).rejects.toMatchObject({
      code: 'CLUSTER_INVALID_ARGUMENT',
    });
    await expect(clusterConsensus([nodes[0], nodes[0]] as never, { a: 1 })).rejects.toMatchObject({
      message: expect.stringMatching(/nodes\.1 \("n1"\) is listed twice/),
    });
    await expect(clusterConsensus(nodes, {})).rejects.toMatchObject({
      code: 'CONSENSUS_EMPTY_PROPOSAL',
    });
  });

  it('with only a minority alive it rejects with a typed error within its timeout', async () => {
    await nodes[1]?.stop();
    await nodes[2]?.stop();
    // Too few voters: refused by the tally.
    await expect(clusterConsensus(nodes, { topology: 'ring' })).rejects.toMatchObject({
      code: 'CONSENSUS_NO_QUORUM',
    });
    // Enough voters for a low quorum, but one node cannot commit to the log alone.
    const started = Date.now();
    const error = await clusterConsensus(
      nodes,
      { topology: 'ring' },
      { quorum: 0.3, timeoutMs: 1_500 },
    ).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(VarplaneError.isInstance(error)).toBe(true);
    expect((error as VarplaneError).code).toBe('STRATEGY_TIMEOUT');
    expect(elapsed).toBeLessThan(1_500 + 1_000);
  }, 20_000);
});
