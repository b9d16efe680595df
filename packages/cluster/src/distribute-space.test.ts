import { createMultiAgentSpace, type MultiAgentSpace, registerAgent } from '@varplane/core';
import type { Behaviour } from '@varplane/runtime';
import { type NatsServer, startNats } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../test/eventually';
import { type ClusterNode, startClusterNode } from './cluster-node';
import { distributeSpace } from './distribute-space';

const where: Behaviour<number, 'ping'> = {
  name: 'where',
  init: (args) => (typeof args === 'number' ? args : 0),
  async handle(_message, count, ctx) {
    await Promise.resolve();
    ctx.reply({ node: ctx.self.node, count: count + 1 });
    return count + 1;
  },
};

function team(size: number, memory = 0): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'team' });
  for (let i = 0; i < size; i++)
    space = registerAgent(space, {
      id: `a${i}`,
      behaviour: 'where',
      args: i * 10,
      resources: { memory, cpuWeight: 1, networkPriority: 'normal', concurrency: 1 },
    });
  return space;
}

describe('distributeSpace: a space run across nodes by a placement plan', () => {
  let nats: NatsServer;
  const nodes: ClusterNode[] = [];

  beforeAll(async () => {
    nats = await startNats();
    const peers = ['n1', 'n2', 'n3'];
    for (const node of peers) {
      nodes.push(
        await startClusterNode({
          cluster: 'ds',
          node,
          servers: nats.url,
          peers,
          tickMs: 50,
          behaviours: [where],
        }),
      );
    }
    await eventually(
      () => nodes[0]?.control?.view().members().size,
      (size) => size === 3,
      15_000,
    );
  }, 60_000);
  afterAll(async () => {
    for (const node of nodes) await node.stop().catch(() => undefined);
    await nats?.stop();
  });

  it('runs each agent on the node its plan names, with its args, reachable from any node', async () => {
    const { plan, refs } = await distributeSpace(team(6), nodes, {
      behaviours: [where],
      strategy: 'consistent_hash',
    });
    expect(Object.keys(plan.placements).sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    expect(new Set(Object.values(plan.placements)).size).toBeGreaterThan(1);
    for (let i = 0; i < 6; i++) {
      const id = `a${i}`;
      const node = plan.placements[id];
      expect(refs[id]?.node).toBe(node);
      const answer = await nodes[(i + 1) % 3]?.system.call(refs[id] as never, 'ping', {
        timeout: 5_000,
      });
      expect(answer).toEqual({ node, count: i * 10 + 1 });
      const host = nodes.find((n) => n.node === node);
      expect(host?.hosted().map((h) => h.agent)).toContain(id);
    }
  }, 30_000);

  it('reads the capacity of a node named __proto__ like any other', async () => {
    let placed = 0;
    const odd = { node: '__proto__', placeAgent: async () => (placed += 1) } as never;
    await expect(
      distributeSpace(team(1, 600), [odd], {
        behaviours: [where],
        capacity: JSON.parse('{"__proto__": {"memory": 500}}'),
      }),
    ).rejects.toMatchObject({ code: 'CLUSTER_PLACEMENT_INFEASIBLE' });
    expect(placed).toBe(0);
  });

  it('refuses, placing nothing, when an agent fits no node or names an unknown behaviour', async () => {
    const before = nodes.map((n) => n.hosted().length);
    await expect(
      distributeSpace(team(3, 600), nodes, {
        behaviours: [where],
        capacity: { n1: { memory: 1_000 }, n2: { memory: 500 }, n3: { memory: 500 } },
      }),
    ).rejects.toMatchObject({ code: 'CLUSTER_PLACEMENT_INFEASIBLE' });
    await expect(distributeSpace(team(2), nodes, { behaviours: [] })).rejects.toMatchObject({
      code: 'CLUSTER_UNKNOWN_BEHAVIOUR',
      message: expect.stringMatching(/agent "a0" runs behaviour "where"/),
    });
    await expect(
      distributeSpace(team(1), nodes, { behaviours: [where], strategy: 'random' } as never),
    ).rejects.toMatchObject({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: expect.stringMatching(/options\.strategy.*random/),
    });
    await expect(distributeSpace(team(1), [], { behaviours: [where] })).rejects.toMatchObject({
      code: 'CLUSTER_INVALID_ARGUMENT',
    });
    const unreadable = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    await expect(
      distributeSpace(unreadable as never, nodes, { behaviours: [where] }),
    ).rejects.toMatchObject({ code: 'CLUSTER_INVALID_ARGUMENT' });
    expect(nodes.map((n) => n.hosted().length)).toEqual(before);
  });
});
