import { type ResourceRequest, VarplaneError } from '@varplane/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coordinateResources } from './coordinate-resources';
import { builtinStrategies } from './coordination-registry';

const ask = (
  agent: string,
  resourceType: string,
  amount: number,
  priority = 1,
): ResourceRequest => ({
  agent,
  resourceType,
  amount,
  priority,
  duration: 'indefinite',
});

const granted = (grants: readonly { agent: string; grantedAmount: number }[]) =>
  Object.fromEntries(grants.map((g) => [g.agent, g.grantedAmount]));

async function failure(run: Promise<unknown>): Promise<VarplaneError> {
  try {
    await run;
  } catch (error) {
    if (VarplaneError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the allocation to fail');
}

describe('coordinateResources', () => {
  const contested = [
    ask('a', 'gpu', 6, 3),
    ask('b', 'gpu', 4, 2),
    ask('c', 'gpu', 2, 2),
    ask('d', 'gpu', 5, 1),
  ];

  it('priority: higher classes first; the class that does not fit shares by amount', async () => {
    const allocation = await coordinateResources(contested, { gpu: 9 });
    expect(granted(allocation.grants)).toEqual({ a: 6, b: 2, c: 1 });
    expect(allocation.shortfalls).toEqual([
      { agent: 'b', resourceType: 'gpu', requested: 4, granted: 2 },
      { agent: 'c', resourceType: 'gpu', requested: 2, granted: 1 },
      { agent: 'd', resourceType: 'gpu', requested: 5, granted: 0 },
    ]);
    expect(allocation.remaining).toEqual({ gpu: 0 });
    expect(allocation.strategy).toBe('priority');
  });

  it('proportional_share: the same fraction of every request', async () => {
    const allocation = await coordinateResources(
      [ask('a', 'tokens', 600), ask('b', 'tokens', 300)],
      { tokens: 600 },
      {
        strategy: 'proportional_share',
      },
    );
    expect(granted(allocation.grants)).toEqual({ a: 400, b: 200 });
  });

  it('max_min_fairness: small requests in full, the rest split evenly', async () => {
    const allocation = await coordinateResources(
      contested,
      { gpu: 10 },
      { strategy: 'max_min_fairness' },
    );
    // 2 is met; 8 left for three: 2.67 each, b, d and a capped equally.
    expect(granted(allocation.grants)).toEqual({ c: 2, a: 3, b: 3, d: 2 });
    expect(allocation.remaining.gpu).toBe(0);
  });

  it('grants everything when there is enough', async () => {
    for (const strategy of [
      'priority',
      'proportional_share',
      'max_min_fairness',
      'dominant_resource_fairness',
    ]) {
      const allocation = await coordinateResources(contested, { gpu: 100 }, { strategy });
      expect(granted(allocation.grants), strategy).toEqual({ a: 6, b: 4, c: 2, d: 5 });
      expect(allocation.shortfalls).toEqual([]);
    }
  });

  it('attaches the conditions the policy asks for', async () => {
    const allocation = await coordinateResources(
      [
        ask('a', 'gpu', 2, 5),
        { ...ask('b', 'gpu', 2, 1), duration: 30_000 },
        ask('a', 'memory', 4),
      ],
      { gpu: 3, memory: 8 },
      { conditions: { releaseOnIdleMs: 60_000, preemptible: true, shareContended: true } },
    );
    expect(allocation.grants).toEqual([
      {
        agent: 'a',
        resourceType: 'gpu',
        grantedAmount: 2,
        grantDuration: 'indefinite',
        conditions: [
          { type: 'release_on_idle', afterMs: 60_000 },
          { type: 'priority_preemption', priority: 6 },
          { type: 'share_with', agent: 'b' },
        ],
      },
      {
        agent: 'b',
        resourceType: 'gpu',
        grantedAmount: 1,
        grantDuration: 30_000,
        conditions: [{ type: 'priority_preemption', priority: 2 }],
      },
      {
        agent: 'a',
        resourceType: 'memory',
        grantedAmount: 4,
        grantDuration: 'indefinite',
        conditions: [{ type: 'release_on_idle', afterMs: 60_000 }],
      },
    ]);
  });

  it('never grants beyond the request or the available amount, for every allocator', async () => {
    const allocators = builtinStrategies().filter((s) => s.kind === 'resource-allocation');
    const types = ['cpu', 'memory', 'gpu', 'tokens'];
    const request = fc.record({
      agent: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      resourceType: fc.constantFrom(...types),
      amount: fc.integer({ min: 1, max: 1_000 }),
      priority: fc.integer({ min: 0, max: 5 }),
      duration: fc.oneof(fc.constant('indefinite' as const), fc.integer({ min: 1, max: 60_000 })),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(request, { selector: (r) => `${r.agent}/${r.resourceType}`, maxLength: 24 }),
        fc.tuple(...types.map(() => fc.integer({ min: 0, max: 1_500 }))),
        async (requests, amounts) => {
          const available = Object.fromEntries(types.map((t, k) => [t, amounts[k] as number]));
          for (const allocator of allocators) {
            const { grants, remaining } = await coordinateResources(requests, available, {
              strategy: allocator.name,
            });
            const used = new Map<string, number>();
            for (const grant of grants) {
              const asked = requests.find(
                (r) => r.agent === grant.agent && r.resourceType === grant.resourceType,
              );
              expect(grant.grantedAmount).toBeGreaterThan(0);
              expect(Number.isInteger(grant.grantedAmount)).toBe(true);
              expect(grant.grantedAmount).toBeLessThanOrEqual(asked?.amount ?? 0);
              used.set(
                grant.resourceType,
                (used.get(grant.resourceType) ?? 0) + grant.grantedAmount,
              );
            }
            for (const type of types) {
              expect(used.get(type) ?? 0, `${allocator.name} ${type}`).toBeLessThanOrEqual(
                available[type] as number,
              );
              expect(remaining[type]).toBe((available[type] as number) - (used.get(type) ?? 0));
            }
          }
        },
      ),
      { seed: 1_337, numRuns: 150 },
    );
  });

  it('leaves nothing idle that someone asked for, with the fair allocators', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 500 }),
        async (amounts, capacity) => {
          const requests = amounts.map((amount, i) => ask(`agent-${i}`, 'gpu', amount));
          const asked = amounts.reduce((s, a) => s + a, 0);
          for (const strategy of ['priority', 'proportional_share', 'max_min_fairness']) {
            const { remaining } = await coordinateResources(
              requests,
              { gpu: capacity },
              { strategy },
            );
            expect(remaining.gpu, strategy).toBe(Math.max(0, capacity - asked));
          }
        },
      ),
      { seed: 99, numRuns: 200 },
    );
  });

  describe('bad input', () => {
    it('refuses a request for an unknown resource, listing the known ones', async () => {
      const error = await failure(
        coordinateResources([ask('a', 'quantum', 1)], { cpu: 4, memory: 8 }),
      );
      expect(error.code).toBe('RESOURCE_UNKNOWN');
      expect(error.message).toBe(
        'coordinateResources: requests.0.resourceType: is not an available resource (available: cpu, memory) (got "quantum")',
      );
    });

    it.each([
      [
        'a zero amount',
        [ask('a', 'cpu', 0)],
        { cpu: 1 },
        'RESOURCE_INVALID_AMOUNT',
        'requests.0.amount: must be above 0',
      ],
      [
        'a fractional amount',
        [ask('a', 'cpu', 0.5)],
        { cpu: 1 },
        'RESOURCE_INVALID_AMOUNT',
        'must be a whole number',
      ],
      [
        'a negative amount available',
        [],
        { cpu: -1 },
        'RESOURCE_INVALID_AMOUNT',
        'available.cpu: must be >= 0',
      ],
      [
        'a NaN priority',
        [ask('a', 'cpu', 1, Number.NaN)],
        { cpu: 1 },
        'INVALID_ARGUMENT',
        'requests.0.priority',
      ],
      [
        'two requests of one agent for one type',
        [ask('a', 'cpu', 1), ask('a', 'cpu', 2)],
        { cpu: 1 },
        'RESOURCE_DUPLICATE_REQUEST',
        'requests.1: a already asked for cpu',
      ],
    ])('refuses %s', async (_name, requests, available, code, message) => {
      const error = await failure(coordinateResources(requests, available));
      expect(error.code).toBe(code);
      expect(error.message).toContain(message);
    });

    it('refuses an allocator that grants more than is available', async () => {
      const greedy = {
        kind: 'resource-allocation' as const,
        name: 'greedy',
        specificationVersion: 'v1' as const,
        allocate: (requests: readonly ResourceRequest[]) =>
          requests.map((r) => ({
            agent: r.agent,
            resourceType: r.resourceType,
            grantedAmount: r.amount,
            grantDuration: r.duration,
            conditions: [],
          })),
      };
      const error = await failure(coordinateResources(contested, { gpu: 5 }, { strategy: greedy }));
      expect(error.code).toBe('STRATEGY_INVALID_RESULT');
      expect(error.message).toBe(
        'resource-allocation strategy "greedy" returned an invalid result: granted 17 gpu, more than the 5 available',
      );
    });
  });
});
