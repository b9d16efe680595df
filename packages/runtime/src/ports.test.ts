import { type AgentRef, createRandom, type RuntimeEvent } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createActorSystem } from './actor-system';
import type { Behaviour } from './behaviour';
import { BudgetExhaustedError } from './errors';
import { NameResolverError } from './registry';
import { createResourceLedger, type ResourceLedger } from './resource-ledger';

const idle: Behaviour<null, unknown> = { name: 'idle', handle: (_m, s) => s };

describe('resource ledger amounts', () => {
  it.each([
    ['memory', -100],
    ['cpu', Number.NaN],
    ['concurrency', -1],
    ['tokens', Number.NaN],
    ['cost', -0.5],
    ['memory', '5'],
  ])('refuses %s = %s with a typed error naming the field', (field, value) => {
    const ledger = createResourceLedger({ totalMemory: 1_000, availableMemory: 1_000 });
    let caught: unknown;
    try {
      ledger.reserve('a', { [field]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(String((caught as Error).message)).toContain(field);
    // Nothing was booked.
    expect(ledger.holding('a')).toBeUndefined();
    expect(ledger.pool().availableMemory).toBe(1_000);
  });

  it('refuses negative or NaN limits', () => {
    const ledger = createResourceLedger();
    expect(() => ledger.setLimits('a', { tokens: -1 })).toThrow(/tokens must be a number >= 0/);
    expect(() => ledger.setLimits('a', { cost: Number.NaN })).toThrow(/cost/);
    ledger.setLimits('a', { tokens: Number.POSITIVE_INFINITY });
    expect(ledger.holding('a')?.tokenLimit).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('a plugged-in resource ledger', () => {
  /** A ledger that books in a shared map, as a cluster-wide one would, counting what it is asked. */
  function sharedLedger(capacity: number) {
    const held = new Map<string, number>();
    const asked: string[] = [];
    const used = () => [...held.values()].reduce((a, b) => a + b, 0);
    const ledger: ResourceLedger = {
      reserve(holder, needs) {
        asked.push(`reserve ${holder}`);
        const memory = needs.memory ?? 0;
        const free = capacity - used() + (held.get(holder) ?? 0);
        if (memory > free) throw new BudgetExhaustedError(holder, 'memory', memory, free);
        held.set(holder, memory);
      },
      release(holder) {
        asked.push(`release ${holder}`);
        held.delete(holder);
      },
      setLimits() {},
      spend() {},
      holding: (holder) =>
        held.has(holder)
          ? {
              memory: held.get(holder) as number,
              cpu: 0,
              concurrency: 0,
              tokenLimit: Number.POSITIVE_INFINITY,
              costLimit: Number.POSITIVE_INFINITY,
              tokensSpent: 0,
              costSpent: 0,
            }
          : undefined,
      pool: () => ({
        totalMemory: capacity,
        availableMemory: capacity - used(),
        totalCpu: Number.POSITIVE_INFINITY,
        availableCpu: Number.POSITIVE_INFINITY,
        networkBandwidth: Number.POSITIVE_INFINITY,
        storage: Number.POSITIVE_INFINITY,
        concurrency: Number.POSITIVE_INFINITY,
        tokens: Number.POSITIVE_INFINITY,
        cost: Number.POSITIVE_INFINITY,
      }),
    };
    return { ledger, asked };
  }

  it('books every spawn and stop there, and reports its refusals as events', async () => {
    const { ledger, asked } = sharedLedger(100);
    const one = createActorSystem({ random: createRandom(1), ledger });
    const two = createActorSystem({ random: createRandom(2), ledger });
    const events: RuntimeEvent[] = [];
    two.events$.subscribe((e) => events.push(e));
    one.spawn(idle, null, { id: 'x', resources: { memory: 60 } });
    // Two systems, one pool: the second cannot have what the first holds.
    expect(() => two.spawn(idle, null, { id: 'y', resources: { memory: 60 } })).toThrow(
      BudgetExhaustedError,
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'budget-exhausted',
        agent: 'y',
        requested: 60,
        available: 40,
      }),
    );
    await one.stop('x');
    two.spawn(idle, null, { id: 'y', resources: { memory: 60 } });
    expect(asked).toEqual(['reserve x', 'reserve y', 'release x', 'reserve y']);
    expect(one.resources.pool().availableMemory).toBe(40);
  });

  it('is refused beside resources, and when it is not a ledger', () => {
    const { ledger } = sharedLedger(1);
    expect(() => createActorSystem({ ledger, resources: { totalMemory: 1 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => createActorSystem({ ledger: {} as ResourceLedger })).toThrow(/ledger/);
  });
});

describe('a name resolver', () => {
  it('answers whereis for names not registered here, here first', () => {
    const remote: AgentRef = { id: 'planner', node: 'east' };
    const asked: string[] = [];
    const system = createActorSystem({
      random: createRandom(1),
      nameResolver: {
        whereis(name) {
          asked.push(name);
          return name === 'planner' ? remote : undefined;
        },
      },
    });
    const local = system.spawn(idle, null, { id: 'critic', name: 'critic' });
    expect(system.whereis('critic')).toBe(local);
    expect(system.whereis('planner')).toEqual(remote);
    expect(system.whereis('nobody')).toBeUndefined();
    expect(asked).toEqual(['planner', 'nobody']);
  });

  it('is seen by agents through ctx.whereis', async () => {
    const system = createActorSystem({
      random: createRandom(1),
      nameResolver: { whereis: (name) => ({ id: `${name}-1`, node: 'west' }) },
    });
    const asker: Behaviour<null, string> = {
      name: 'asker',
      handle(name, state, ctx) {
        ctx.reply(ctx.whereis(name));
        return state;
      },
    };
    system.spawn(asker, null, { id: 'asker' });
    expect(await system.call('asker', 'coder')).toEqual({ id: 'coder-1', node: 'west' });
  });

  it('contains a resolver that throws or answers garbage', () => {
    const throwing = createActorSystem({
      random: createRandom(1),
      nameResolver: {
        whereis() {
          throw new Error('network down');
        },
      },
    });
    expect(() => throwing.whereis('x')).toThrow(NameResolverError);
    const garbage = createActorSystem({
      random: createRandom(1),
      nameResolver: { whereis: () => 42 as unknown as AgentRef },
    });
    expect(() => garbage.whereis('x')).toThrow(
      expect.objectContaining({ code: 'NAME_RESOLVER_FAILED' }),
    );
  });
});
