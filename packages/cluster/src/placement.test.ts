import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterError } from './errors';
import { distributeAgents, type PlacementAgent, type PlacementNode } from './placement';

const strategies = ['least_loaded', 'consistent_hash', 'prefer_local', 'resource_aware'] as const;
const kinds = ['memory', 'cpu', 'tokens'];

const nodeArb = fc.record({
  id: fc.constantFrom('n1', 'n2', 'n3', 'n4', '__proto__', 'constructor'),
  capacity: fc.dictionary(fc.constantFrom(...kinds), fc.integer({ min: 0, max: 1_000 })),
  agents: fc.integer({ min: 0, max: 5 }),
});
const agentArb = fc.record({
  id: fc.string({ minLength: 1, maxLength: 6 }),
  demand: fc.dictionary(fc.constantFrom(...kinds), fc.integer({ min: 0, max: 400 })),
});

describe('distributeAgents', () => {
  it('never over-commits a node and places every agent that fits, for every strategy', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(nodeArb, { minLength: 1, maxLength: 4, selector: (node) => node.id }),
        fc.uniqueArray(agentArb, { maxLength: 40, selector: (agent) => agent.id }),
        fc.constantFrom(...strategies),
        fc.integer(),
        (nodes, agents, strategy, seed) => {
          const plan = distributeAgents(agents, nodes, {
            strategy,
            localNode: nodes[0]?.id as string,
            random: seed,
          });
          const used = new Map<string, Record<string, number>>();
          for (const agent of agents) {
            const node = plan.placements[agent.id];
            const listed = plan.unplaced.some((entry) => entry.agent === agent.id);
            // Each agent is either placed or listed as unplaced, never both.
            expect(node === undefined).toBe(listed);
            if (node === undefined) {
              // Unplaced only when no node could take it at that point: at least one kind short.
              continue;
            }
            const sum = used.get(node) ?? {};
            for (const [kind, need] of Object.entries(agent.demand))
              sum[kind] = (sum[kind] ?? 0) + need;
            used.set(node, sum);
          }
          for (const node of nodes) {
            for (const [kind, total] of Object.entries(used.get(node.id) ?? {})) {
              const capacity = node.capacity[kind];
              if (capacity !== undefined) expect(total).toBeLessThanOrEqual(capacity);
            }
            for (const [kind, capacity] of Object.entries(node.capacity)) {
              expect(plan.remaining[node.id]?.[kind]).toBe(
                capacity - (used.get(node.id)?.[kind] ?? 0),
              );
            }
          }
        },
      ),
      { seed: 1776, numRuns: 150 },
    );
  }, 60_000);

  it('is deterministic: the same input and seed give the same plan', () => {
    const nodes: PlacementNode[] = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const agents: PlacementAgent[] = Array.from({ length: 50 }, (_, i) => ({ id: `agent-${i}` }));
    const one = distributeAgents(agents, nodes, { random: 9 });
    const two = distributeAgents(agents, nodes, { random: 9 });
    expect(one).toEqual(two);
  });

  it('least_loaded balances 3,000 agents over 3 nodes within a few percent', () => {
    const nodes: PlacementNode[] = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const agents = Array.from({ length: 3_000 }, (_, i) => ({ id: `agent-${i}` }));
    const counts = new Map<string, number>();
    for (const node of Object.values(distributeAgents(agents, nodes).placements)) {
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    for (const count of counts.values()) expect(Math.abs(count - 1_000)).toBeLessThanOrEqual(10);
  });

  it('consistent_hash moves only the agents of a removed node', () => {
    const agents = Array.from({ length: 2_000 }, (_, i) => ({ id: `agent-${i}` }));
    const four = distributeAgents(agents, [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }], {
      strategy: 'consistent_hash',
    });
    const three = distributeAgents(agents, [{ id: 'a' }, { id: 'b' }, { id: 'c' }], {
      strategy: 'consistent_hash',
    });
    let moved = 0;
    for (const agent of agents) {
      const before = four.placements[agent.id];
      const after = three.placements[agent.id];
      if (before !== 'd') expect(after).toBe(before);
      else moved += 1;
    }
    // About a quarter lived on d.
    expect(moved).toBeGreaterThan(300);
    expect(moved).toBeLessThan(700);
  });

  it('prefer_local keeps agents local while they fit, then spills over', () => {
    const plan = distributeAgents(
      [1, 2, 3].map((i) => ({ id: `w${i}`, demand: { memory: 100 } })),
      [
        { id: 'here', capacity: { memory: 250 } },
        { id: 'there', capacity: { memory: 1_000 } },
      ],
      { strategy: 'prefer_local', localNode: 'here' },
    );
    expect({ ...plan.placements }).toEqual({ w1: 'here', w2: 'here', w3: 'there' });
  });

  it('resource_aware places the largest first and reports what ran out', () => {
    const plan = distributeAgents(
      [
        { id: 'small', demand: { memory: 100 } },
        { id: 'big', demand: { memory: 500 } },
        { id: 'huge', demand: { memory: 5_000 } },
      ],
      [
        { id: 'n1', capacity: { memory: 550 } },
        { id: 'n2', capacity: { memory: 200 } },
      ],
      { strategy: 'resource_aware' },
    );
    expect({ ...plan.placements }).toEqual({ big: 'n1', small: 'n2' });
    expect(plan.unplaced).toEqual([
      { agent: 'huge', reason: 'memory: needs 5000, the most any node has free is 550' },
    ]);
  });

  it('treats __proto__ and constructor as ordinary ids', () => {
    const plan = distributeAgents(
      [{ id: '__proto__', demand: { toString: 1 } }, { id: 'constructor' }],
      [{ id: '__proto__', capacity: { toString: 1 } }],
    );
    expect(plan.placements['__proto__']).toBe('__proto__');
    expect(plan.placements.constructor).toBe('__proto__');
    expect(plan.remaining['__proto__']?.toString).toBe(0);
    expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
    // A resource kind named __proto__ is counted like any other (zod's records drop it).
    const tight = distributeAgents(
      [{ id: 'a', demand: JSON.parse('{"__proto__": 2}') }],
      [{ id: 'n1', capacity: JSON.parse('{"__proto__": 1}') }],
    );
    expect(tight.unplaced.map((u) => u.agent)).toEqual(['a']);
  });

  it('refuses bad input with CLUSTER_INVALID_ARGUMENT naming the field and value', () => {
    const bad: Array<[unknown, unknown, unknown, RegExp]> = [
      [[], [], {}, /nodes/],
      [[{ id: 'a', demand: { memory: -1 } }], [{ id: 'n' }], {}, /agents\.0\.demand\.memory.*-1/],
      [[], [{ id: 'n', capacity: { memory: Number.NaN } }], {}, /nodes\.0\.capacity\.memory/],
      [[], [{ id: 'n' }], { strategy: 'round_robin' }, /strategy.*round_robin/],
      [[], [{ id: 'n' }, { id: 'n' }], {}, /node ids must be unique, "n"/],
      [[{ id: 'x' }, { id: 'x' }], [{ id: 'n' }], {}, /agent ids must be unique, "x"/],
      [[], [{ id: 'n' }], { strategy: 'prefer_local' }, /prefer_local needs localNode/],
      [null, [{ id: 'n' }], {}, /agents/],
    ];
    for (const [agents, nodes, options, message] of bad) {
      const call = () => distributeAgents(agents as never, nodes as never, options as never);
      expect(call).toThrow(message);
      try {
        call();
      } catch (error) {
        expect((error as { code: string }).code).toBe('CLUSTER_INVALID_ARGUMENT');
      }
    }
  });
});

describe('connectNats and subject tokens refuse bad input', () => {
  it('gives typed errors, and no hang, for servers that are not servers', async () => {
    const { connectNats } = await import('./nats-connection');
    const { subjectToken } = await import('./subjects');
    await expect(connectNats(undefined as never)).rejects.toMatchObject({
      code: 'CLUSTER_INVALID_ARGUMENT',
    });
    await expect(connectNats([] as never)).rejects.toMatchObject({
      code: 'CLUSTER_INVALID_ARGUMENT',
    });
    await expect(connectNats('__proto__', undefined, { timeoutMs: 500 })).rejects.toMatchObject({
      code: 'CLUSTER_INVALID_ARGUMENT',
    });
    expect(() => subjectToken(/x/ as never)).toThrow(
      expect.objectContaining({ code: 'CLUSTER_INVALID_ARGUMENT' }),
    );
    expect(new ClusterError(null as never).code).toBe('CLUSTER_INVALID_ARGUMENT');
  });
});
