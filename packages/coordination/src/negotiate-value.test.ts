import {
  createManualClock,
  createStrategyRegistry,
  InvalidArgumentError,
  type NegotiationStrategy,
  type Preference,
  VarplaneError,
} from '@varplane/core';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { isPreference, negotiateValue, preferenceSchema } from './negotiate-value';
import { satisfiesConstraints } from './value-constraints';
import { createVickreyAuction } from './vickrey-auction';

const card: Preference[] = [
  { agent: 'coder', value: 0.1, weight: 0.4 },
  { agent: 'creative', value: 1.2, weight: 0.3 },
  { agent: 'reviewer', value: 0.3, weight: 0.3 },
];

async function failure(run: Promise<unknown>): Promise<VarplaneError> {
  try {
    await run;
  } catch (error) {
    if (VarplaneError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the negotiation to fail');
}

describe('negotiateValue', () => {
  it("gives the card's example exactly 0.49", async () => {
    const outcome = await negotiateValue('temperature', card, {
      strategy: 'weighted_consensus',
      constraints: { min: 0, max: 2 },
    });
    expect(outcome.value).toBe(0.49);
    expect(outcome).toMatchObject({
      variableId: 'temperature',
      strategy: 'weighted_consensus',
      rounds: 1,
    });
    expect(outcome.rationale).toContain('weighted mean of 3 preferences');
  });

  it('gives 0.49 whatever the order of the preferences', async () => {
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 0, 2],
      [1, 2, 0],
    ]) {
      const outcome = await negotiateValue(
        'temperature',
        order.map((i) => card[i] as Preference),
        {
          constraints: { min: 0, max: 2 },
        },
      );
      expect(outcome.value).toBe(0.49);
    }
  });

  it('defaults to weighted consensus and applies the step to the result', async () => {
    const outcome = await negotiateValue('temperature', card, {
      constraints: { min: 0, max: 2, step: 0.25 },
    });
    expect(outcome.value).toBe(0.5);
    expect(outcome.proposedValue).toBe(0.49);
  });

  it('clamps a result outside the range', async () => {
    const outcome = await negotiateValue('temperature', card, {
      constraints: { min: 0.6, max: 2 },
    });
    expect(outcome.value).toBe(0.6);
  });

  it('runs a strategy passed as an object, and one looked up in a given registry', async () => {
    const auction = createVickreyAuction({ name: 'house_auction' });
    const bids: Preference[] = [
      { agent: 'a', value: 'plan-a', weight: 1, budget: 10 },
      { agent: 'b', value: 'plan-b', weight: 1, budget: 7 },
    ];
    const direct = await negotiateValue('plan', bids, { strategy: auction });
    const registry = createStrategyRegistry().register(auction);
    const named = await negotiateValue('plan', bids, { registry, strategy: 'house_auction' });
    expect(direct).toEqual(named);
    expect(direct).toMatchObject({
      value: 'plan-a',
      winner: 'a',
      price: 7,
      strategy: 'house_auction',
    });
  });

  describe('bad input', () => {
    it.each([
      [
        'an empty preference list',
        [],
        'NEGOTIATION_EMPTY_PREFERENCES',
        'preferences: must not be empty',
      ],
      [
        'a negative weight',
        [{ agent: 'a', value: 1, weight: -0.5 }],
        'NEGOTIATION_INVALID_WEIGHT',
        'preferences.0.weight: must be >= 0 (got -0.5)',
      ],
      [
        'a NaN weight',
        [{ agent: 'a', value: 1, weight: Number.NaN }],
        'NEGOTIATION_INVALID_WEIGHT',
        'preferences.0.weight',
      ],
      [
        'a NaN value',
        [
          { agent: 'a', value: 1, weight: 1 },
          { agent: 'b', value: Number.NaN, weight: 1 },
        ],
        'NEGOTIATION_INVALID_VALUE',
        'preferences.1.value: must be a finite number (got NaN)',
      ],
      [
        'weights that sum to zero',
        [
          { agent: 'a', value: 1, weight: 0 },
          { agent: 'b', value: 2, weight: 0 },
        ],
        'NEGOTIATION_ZERO_WEIGHT',
        'preferences: weights must sum above 0 (got 0)',
      ],
      ['a missing agent', [{ value: 1, weight: 1 }], 'INVALID_ARGUMENT', 'preferences.0.agent'],
    ])('refuses %s', async (_name, preferences, code, message) => {
      const error = await failure(negotiateValue('temperature', preferences as Preference[]));
      expect(error.code).toBe(code);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toContain(message);
    });

    it('names the registered strategies when the name is unknown', async () => {
      const error = await failure(negotiateValue('temperature', card, { strategy: 'telepathy' }));
      expect(error.code).toBe('STRATEGY_NOT_FOUND');
      expect(error.message).toContain(
        'no negotiation strategy named "telepathy"; registered: weighted_consensus, first_price, vickrey',
      );
      const registry = createStrategyRegistry();
      const empty = await failure(
        negotiateValue('temperature', card, { registry, strategy: 'vickrey' }),
      );
      expect(empty.message).toContain('registered: (none)');
    });

    it('refuses a strategy of another kind', async () => {
      const consensus = {
        kind: 'consensus',
        name: 'x',
        specificationVersion: 'v1',
        decide: () => ({}),
      };
      const error = await failure(
        negotiateValue('t', card, { strategy: consensus as unknown as NegotiationStrategy }),
      );
      expect(error.code).toBe('STRATEGY_KIND_MISMATCH');
    });

    it('says why constraints are infeasible', async () => {
      const error = await failure(
        negotiateValue('temperature', card, { constraints: { min: 2, max: 1 } }),
      );
      expect(error.code).toBe('NEGOTIATION_INFEASIBLE');
      expect(error.message).toBe(
        'no value for "temperature" can satisfy constraints.min 2 > constraints.max 1',
      );
      expect((error as unknown as { reason: string }).reason).toBe('empty_range');
    });

    it('refuses malformed constraints and unknown options by path', async () => {
      const step = await failure(negotiateValue('t', card, { constraints: { step: 0 } }));
      expect(step.message).toContain('options.constraints.step: must be above 0 (got 0)');
      const typo = await failure(
        negotiateValue('t', card, { constraints: { maximum: 1 } as unknown as { max: number } }),
      );
      expect(typo.code).toBe('INVALID_ARGUMENT');
      expect(typo.message).toContain('options.constraints');
      const option = await failure(negotiateValue('t', card, { timeout: 5 } as never));
      expect(option.message).toContain('options');
      const id = await failure(negotiateValue('', card));
      expect(id.message).toContain('variableId: must not be empty');
    });
  });

  describe('containment', () => {
    const plugin = (negotiate: NegotiationStrategy['negotiate']): NegotiationStrategy => ({
      kind: 'negotiation',
      name: 'plugin',
      specificationVersion: 'v1',
      negotiate,
    });

    it('turns a throwing plugin into STRATEGY_FAILED with the cause', async () => {
      const boom = new Error('boom');
      const error = await failure(
        negotiateValue('t', card, {
          strategy: plugin(() => {
            throw boom;
          }),
        }),
      );
      expect(error.code).toBe('STRATEGY_FAILED');
      expect(error.message).toBe('negotiation strategy "plugin" threw: boom');
      expect(error.cause).toBe(boom);
    });

    it('times a hanging plugin out on the injected clock and aborts its signal', async () => {
      const clock = createManualClock();
      let signal: AbortSignal | undefined;
      const run = negotiateValue('t', card, {
        clock,
        timeoutMs: 250,
        strategy: plugin((_request, context) => {
          signal = context.signal;
          return new Promise(() => {});
        }),
      });
      const caught = failure(run);
      await Promise.resolve();
      clock.advance(249);
      expect(signal?.aborted).toBe(false);
      clock.advance(1);
      const error = await caught;
      expect(error.code).toBe('STRATEGY_TIMEOUT');
      expect(error.message).toBe('negotiation strategy "plugin" did not finish within 250 ms');
      expect(signal?.aborted).toBe(true);
    });

    it('gives up when the caller aborts', async () => {
      const controller = new AbortController();
      const run = negotiateValue('t', card, {
        signal: controller.signal,
        strategy: plugin(() => new Promise(() => {})),
        clock: createManualClock(),
      });
      const caught = failure(run);
      await Promise.resolve();
      controller.abort();
      expect((await caught).code).toBe('OPERATION_ABORTED');
    });

    it('refuses a malformed result', async () => {
      const error = await failure(
        negotiateValue('t', card, { strategy: plugin(() => ({ value: 1 }) as never) }),
      );
      expect(error.code).toBe('STRATEGY_INVALID_RESULT');
      expect(error.message).toContain('rationale');
      const stranger = await failure(
        negotiateValue('t', card, {
          strategy: plugin(() => ({ value: 1, winner: 'ghost', rationale: 'x' })),
        }),
      );
      expect(stranger.message).toContain('winner "ghost" has no preference');
    });

    it('refuses a value of a kind no preference has, so the typed outcome holds', async () => {
      const error = await failure(
        negotiateValue('t', card, { strategy: plugin(() => ({ value: '0.5', rationale: 'x' })) }),
      );
      expect(error.code).toBe('STRATEGY_INVALID_RESULT');
      expect(error.message).toContain(
        'value "0.5" is a string, but the preferences hold number values',
      );
      const mixed: Preference<number | string>[] = [
        { agent: 'a', value: 1, weight: 1 },
        { agent: 'b', value: 'auto', weight: 1 },
      ];
      const either = await negotiateValue('t', mixed, {
        strategy: plugin(() => ({ value: 'auto', rationale: 'b wins' })),
      });
      expect(either.value).toBe('auto');
      const none = await failure(
        negotiateValue('t', mixed, { strategy: plugin(() => ({ value: null, rationale: 'x' })) }),
      );
      expect(none.message).toContain('is a null, but the preferences hold number or string values');
    });
  });

  it('types the outcome as the preferences are typed', async () => {
    const numeric = await negotiateValue('temperature', card as Preference<number>[]);
    expectTypeOf(numeric.value).toEqualTypeOf<number>();
    expect(numeric.value).toBeCloseTo(0.49, 10);
    const topologies: Preference<'star' | 'ring'>[] = [
      { agent: 'planner', value: 'star', weight: 3 },
      { agent: 'coder', value: 'ring', weight: 1 },
    ];
    const picked = await negotiateValue('topology', topologies, { strategy: 'weighted_consensus' });
    expectTypeOf(picked.value).toEqualTypeOf<'star' | 'ring'>();
    expect(picked.value).toBe('star');
  });

  it('keeps every weighted consensus inside its constraints', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            value: fc.double({ min: -100, max: 100, noNaN: true }),
            weight: fc.double({ min: 0.001, max: 10, noNaN: true }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.double({ min: -50, max: 0, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.option(fc.constantFrom(0.1, 0.5, 2), { nil: undefined }),
        async (entries, min, max, step) => {
          const preferences = entries.map((e, i) => ({ agent: `a${i}`, ...e }));
          const constraints = step === undefined ? { min, max } : { min, max, step };
          const { value } = await negotiateValue('x', preferences, { constraints });
          expect(satisfiesConstraints(value, constraints)).toBe(true);
        },
      ),
      { seed: 4242, numRuns: 200 },
    );
  });
});

describe('isPreference', () => {
  it('agrees with the zod schema on arbitrary input', () => {
    const field = fc.oneof(
      fc.constant(undefined),
      fc.double(),
      fc.integer({ min: -5, max: 5 }),
      fc.string({ maxLength: 3 }),
      fc.constantFrom('buy', 'sell', Number.NaN, Number.POSITIVE_INFINITY, null),
      fc.constant(() => 1),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record(
            {
              agent: field,
              value: field,
              weight: field,
              budget: field,
              side: field,
              utility: field,
            },
            { requiredKeys: [] },
          ),
          field,
        ),
        (input) => {
          expect(isPreference(input)).toBe(preferenceSchema.safeParse(input).success);
        },
      ),
      { seed: 7, numRuns: 2_000 },
    );
  });
});
