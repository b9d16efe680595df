import { createManualClock, createRandom, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { askAgent, askAgents } from './ask-agents';
import { builtinStrategies } from './coordination-registry';
import {
  ConflictResolutionError,
  ConsensusError,
  HierarchyError,
  NegotiationError,
  StrategyExecutionError,
} from './errors';
import { isPreference } from './negotiate-value';
import { constrainValue, isAdmissible, satisfiesConstraints } from './value-constraints';

const boom = () => {
  throw new Error('boom');
};
const trap = () => new Proxy({}, { get: boom, ownKeys: boom, getPrototypeOf: boom, has: boom });

function refusal(run: () => unknown): VarplaneError {
  try {
    run();
  } catch (error) {
    if (VarplaneError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a VarplaneError');
}

async function rejection(run: () => unknown): Promise<VarplaneError> {
  try {
    await run();
  } catch (error) {
    if (VarplaneError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a VarplaneError');
}

const context = () => ({
  random: createRandom(1),
  clock: createManualClock(),
  signal: new AbortController().signal,
});

describe('built-in strategies called directly check their arguments', () => {
  const strategies = builtinStrategies();

  it('every method refuses a request that is not one, with INVALID_ARGUMENT', async () => {
    for (const strategy of strategies) {
      const method = {
        negotiation: 'negotiate',
        'resource-allocation': 'allocate',
        'conflict-resolution': 'resolve',
        consensus: 'decide',
      }[strategy.kind as string] as string;
      const call = (strategy as unknown as Record<string, (...args: unknown[]) => unknown>)[
        method
      ] as (...args: unknown[]) => unknown;
      for (const [i, bad] of [null, 'toString', trap(), { votes: 1 }].entries()) {
        const error = await rejection(() => call.call(strategy, bad, context(), context()));
        expect(error.code, `${strategy.name} with bad input ${i}`).toBe('INVALID_ARGUMENT');
      }
    }
  });

  it('names the field and the value', async () => {
    const vickrey = strategies.find((s) => s.name === 'vickrey') as {
      negotiate: (...args: unknown[]) => unknown;
    };
    const error = await rejection(() =>
      vickrey.negotiate(
        { variableId: 'gpu', preferences: [{ agent: 'a', value: 1, weight: -1 }], constraints: {} },
        context(),
      ),
    );
    expect(error.message).toMatch(
      /^vickrey\.negotiate: request\.preferences\.0\.weight: .*\(got -1\)$/,
    );
    const noContext = await rejection(() =>
      vickrey.negotiate(
        { variableId: 'gpu', preferences: [{ agent: 'a', value: 1, weight: 1 }], constraints: {} },
        undefined,
      ),
    );
    expect(noContext.message).toMatch(/^vickrey\.negotiate: context: .*\(got undefined\)$/);
  });
});

describe('value constraint helpers', () => {
  it('refuse constraints that are not constraints, naming the value', () => {
    const error = refusal(() => constrainValue(1, -1e308 as never));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^constrainValue: constraints: .*\(got -1e\+308\)$/);
    expect(refusal(() => isAdmissible(1, undefined as never)).code).toBe('INVALID_ARGUMENT');
    expect(refusal(() => satisfiesConstraints(1, trap() as never)).code).toBe('INVALID_ARGUMENT');
    expect(refusal(() => constrainValue(1, { min: 0 }, 7 as never)).message).toBe(
      'constrainValue: variableId: must be a string (got 7)',
    );
    expect(refusal(() => constrainValue(Promise.resolve(1), {})).message).toBe(
      'constrainValue: value: must be a value, not a function or a promise (got {})',
    );
    expect(constrainValue(7.3, { min: 0, max: 10, step: 2 })).toBe(8);
  });

  it('isPreference is false for an object whose getters throw', () => {
    const hostile = Object.defineProperty({}, 'agent', { enumerable: true, get: boom });
    expect(isPreference(hostile)).toBe(false);
    expect(isPreference({ agent: 'a', value: 1, weight: 1 })).toBe(true);
  });
});

describe('askAgent and askAgents', () => {
  it('reject bad arguments with typed errors instead of throwing TypeErrors', async () => {
    expect(
      (
        await rejection(() =>
          askAgents(context(), undefined as never, () => ({ type: 'x' }) as never, 10),
        )
      ).code,
    ).toBe('INVALID_ARGUMENT');
    expect(
      (await rejection(() => askAgent(trap() as never, 'a', { type: 'bid' } as never, 10))).code,
    ).toBe('INVALID_ARGUMENT');
    const timeout = await rejection(() =>
      askAgent(context(), 'a', { type: 'bid' } as never, 2 ** 31),
    );
    expect(timeout.message).toMatch(/^askAgent: timeoutMs: /);
    await expect(
      askAgents(context(), ['a'], () => ({ type: 'bid' }) as never, 10),
    ).resolves.toEqual([{ ok: false, reason: 'unavailable' }]);
  });
});

describe('error classes', () => {
  it('are made whatever they are given', () => {
    for (const make of [
      () => new NegotiationError(null as never),
      () => new ConsensusError(null as never),
      () => new ConflictResolutionError(trap() as never),
      () => new HierarchyError(trap() as never),
      () => new StrategyExecutionError(undefined as never),
    ]) {
      const error = make();
      expect(VarplaneError.isInstance(error, 'INVALID_ARGUMENT')).toBe(true);
    }
    expect(new ConsensusError(null as never).tally).toEqual({
      for: 0,
      against: 0,
      absent: 0,
      total: 0,
    });
  });
});

describe('helpers for plugin authors and registries', () => {
  it('refuse what is not theirs with INVALID_ARGUMENT, naming the field', async () => {
    const { attachConditions } = await import('./grant-conditions');
    const { dominantShares } = await import('./dominant-resource-fairness');
    const { hierarchicalCoordination } = await import('./hierarchical-coordination');
    const { createCoordinationRegistry, registerBuiltinStrategies } = await import(
      './coordination-registry'
    );
    expect(refusal(() => attachConditions([], new Set() as never, {}, {})).message).toMatch(
      /^attachConditions: requests: /,
    );
    expect(refusal(() => dominantShares(trap() as never, {})).code).toBe('INVALID_ARGUMENT');
    expect(refusal(() => hierarchicalCoordination(null as never, [], {} as never)).message).toMatch(
      /^hierarchicalCoordination: coordinator: .*\(got null\)$/,
    );
    expect(refusal(() => createCoordinationRegistry(null as never)).message).toBe(
      'createCoordinationRegistry: plugins: must be an array of strategies (got null)',
    );
    expect(refusal(() => registerBuiltinStrategies({} as never)).code).toBe('INVALID_ARGUMENT');
    const shares = dominantShares(
      [{ agent: 'a', resourceType: 'gpu', amount: 1, priority: 1, duration: 'indefinite' }],
      { gpu: 2 },
    );
    expect(shares).toHaveLength(1);
  });
});
