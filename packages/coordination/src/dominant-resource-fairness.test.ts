import type { ResourceRequest } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { coordinateResources } from './coordinate-resources';
import { dominantShares } from './dominant-resource-fairness';

const ask = (agent: string, resourceType: string, amount: number): ResourceRequest => ({
  agent,
  resourceType,
  amount,
  priority: 1,
  duration: 'indefinite',
});

describe('dominant resource fairness', () => {
  // The example of Ghodsi et al.: 9 CPUs and 18 GB; A's tasks need <1 CPU, 4 GB>, B's <3 CPU, 1 GB>.
  const paper = [
    ask('A', 'cpu', 3),
    ask('A', 'memory', 12),
    ask('B', 'cpu', 9),
    ask('B', 'memory', 3),
  ];

  it("equalizes dominant shares as in the paper's example", async () => {
    const { grants } = await coordinateResources(
      paper,
      { cpu: 9, memory: 18 },
      {
        strategy: 'dominant_resource_fairness',
      },
    );
    expect(grants.map((g) => [g.agent, g.resourceType, g.grantedAmount])).toEqual([
      ['A', 'cpu', 3],
      ['A', 'memory', 12],
      ['B', 'cpu', 6],
      ['B', 'memory', 2],
    ]);
    // A's dominant share is memory 12/18, B's is cpu 6/9: both 2/3.
  });

  it('serves agents in full when everything fits', () => {
    expect(dominantShares(paper, { cpu: 100, memory: 100 })).toEqual([3, 12, 9, 3]);
  });

  it('lets agents that do not use an exhausted type keep growing', () => {
    const shares = dominantShares(
      [ask('a', 'cpu', 10), ask('b', 'cpu', 10), ask('b', 'memory', 1), ask('c', 'memory', 4)],
      { cpu: 10, memory: 4 },
    );
    // cpu runs out at a share of 1/2 for a and b; c keeps growing on memory until memory runs out.
    expect(shares[0]).toBeCloseTo(5);
    expect(shares[1]).toBeCloseTo(5);
    expect(shares[2]).toBeCloseTo(0.5);
    expect(shares[3]).toBeCloseTo(3.5);
  });

  it('gives nothing to an agent that needs a type with nothing available', () => {
    expect(
      dominantShares([ask('a', 'gpu', 1), ask('a', 'cpu', 1), ask('b', 'cpu', 4)], {
        gpu: 0,
        cpu: 4,
      }),
    ).toEqual([0, 0, 4]);
  });

  it('handles 1,000 agents over 4 types within the available amounts', async () => {
    const types = ['cpu', 'memory', 'gpu', 'tokens'];
    const requests = Array.from({ length: 1_000 }, (_, i) =>
      ask(`agent-${i}`, types[i % 4] as string, 1 + ((i * 37) % 50)),
    );
    const available = { cpu: 3_000, memory: 5_000, gpu: 800, tokens: 20_000 };
    const { grants } = await coordinateResources(requests, available, {
      strategy: 'dominant_resource_fairness',
    });
    for (const type of types) {
      const used = grants
        .filter((g) => g.resourceType === type)
        .reduce((s, g) => s + g.grantedAmount, 0);
      expect(used).toBeLessThanOrEqual(available[type as keyof typeof available]);
    }
  });
});
