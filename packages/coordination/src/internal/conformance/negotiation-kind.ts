import type { NegotiationStrategy, Preference, ValueConstraints } from '@varplane/core';
import { negotiateValue } from '../../negotiate-value';
import { satisfiesConstraints } from '../constraints';
import { hundredths, type KindAdapter, type NegotiationCase, options } from './kind-adapter';

export const negotiationKind: KindAdapter<NegotiationStrategy, NegotiationCase> = {
  method: 'negotiate',
  generate(random) {
    const n = random.int(1, 6);
    const preferences: Preference[] = [];
    for (let i = 0; i < n; i++) {
      preferences.push({
        agent: `agent-${i}`,
        value: hundredths(random, -10, 10),
        weight: hundredths(random, 0.01, 3),
        budget: random.int(0, 100),
      });
    }
    const constraints: ValueConstraints = {};
    if (random.chance(0.5)) constraints.min = random.int(-10, 0);
    if (random.chance(0.5)) constraints.max = random.int(0, 10);
    if (random.chance(0.3)) constraints.step = random.pick([0.1, 0.25, 0.5, 1]);
    if (random.chance(0.15)) {
      constraints.allowed = [...preferences.slice(0, 2).map((p) => p.value), random.int(-10, 10)];
    }
    return { variableId: 'knob', preferences, constraints };
  },
  run: (strategy, input, setup) =>
    negotiateValue(input.variableId, input.preferences, {
      ...options(setup),
      strategy,
      constraints: input.constraints,
    }),
  check(input, result) {
    const outcome = result as {
      value: unknown;
      rationale: unknown;
      winner?: unknown;
      price?: unknown;
    };
    const problems: string[] = [];
    if (!satisfiesConstraints(outcome.value, input.constraints)) {
      problems.push(
        `value ${String(outcome.value)} breaks the constraints ${JSON.stringify(input.constraints)}`,
      );
    }
    if (typeof outcome.rationale !== 'string' || outcome.rationale === '')
      problems.push('no rationale');
    if (
      outcome.winner !== undefined &&
      !input.preferences.some((p) => p.agent === outcome.winner)
    ) {
      problems.push(`winner ${String(outcome.winner)} has no preference`);
    }
    if (outcome.price !== undefined && !Number.isFinite(outcome.price))
      problems.push('price is not finite');
    return problems;
  },
  expectedErrors: ['NEGOTIATION_INFEASIBLE', 'NEGOTIATION_ROUND_LIMIT'],
  badInputs: [
    { name: 'an empty preference list', code: 'NEGOTIATION_EMPTY_PREFERENCES', prefs: [] },
    {
      name: 'a negative weight',
      code: 'NEGOTIATION_INVALID_WEIGHT',
      prefs: [{ agent: 'a', value: 1, weight: -1 }],
    },
    {
      name: 'a NaN weight',
      code: 'NEGOTIATION_INVALID_WEIGHT',
      prefs: [{ agent: 'a', value: 1, weight: Number.NaN }],
    },
    {
      name: 'a NaN value',
      code: 'NEGOTIATION_INVALID_VALUE',
      prefs: [{ agent: 'a', value: Number.NaN, weight: 1 }],
    },
    {
      name: 'weights that sum to zero',
      code: 'NEGOTIATION_ZERO_WEIGHT',
      prefs: [
        { agent: 'a', value: 1, weight: 0 },
        { agent: 'b', value: 2, weight: 0 },
      ],
    },
    {
      name: 'constraints with min above max',
      code: 'NEGOTIATION_INFEASIBLE',
      prefs: [{ agent: 'a', value: 1, weight: 1 }],
      constraints: { min: 2, max: 1 },
    },
  ].map(({ prefs, constraints, ...bad }) => ({
    ...bad,
    run: (strategy: NegotiationStrategy) =>
      negotiateValue('knob', prefs as Preference[], { strategy, constraints: constraints ?? {} }),
  })),
};
