import { constrainValue, NegotiationError, satisfiesConstraints } from '@varplane/coordination';
import {
  InvalidArgumentError,
  type NegotiationRequest,
  type NegotiationStrategy,
  type Preference,
} from '@varplane/core';

export interface NashBargainingOptions {
  /** The name it registers under (default `nash_bargaining`). */
  name?: string;
  /** Points tried across a numeric range that has no `step` (default 201). */
  gridSize?: number;
}

/** The values to choose from: the allowed ones, the preferred choices, or a grid over the range. */
function candidates(request: NegotiationRequest, gridSize: number): unknown[] {
  const { preferences, constraints } = request;
  if (constraints.allowed !== undefined) {
    return constraints.allowed.filter((value) => satisfiesConstraints(value, constraints));
  }
  const numbers = preferences.map((p) => p.value).filter((v): v is number => typeof v === 'number');
  if (numbers.length < preferences.length) return [...new Set(preferences.map((p) => p.value))];
  const lo = constraints.min ?? Math.min(...numbers);
  const hi = constraints.max ?? Math.max(...numbers);
  const points =
    constraints.step === undefined ? gridSize : Math.floor((hi - lo) / constraints.step) + 1;
  const out: unknown[] = [];
  for (let k = 0; k < Math.min(points, 10_000); k++) {
    const x = points === 1 ? lo : lo + ((hi - lo) * k) / (points - 1);
    out.push(constrainValue(x, constraints));
  }
  return out;
}

/** An agent's utility: its own function, or closeness to what it asked for, in [0, 1]. */
function utilityOf(p: Preference, scale: number): (value: unknown) => number {
  if (p.utility !== undefined) return p.utility;
  return (value) =>
    typeof value === 'number' && typeof p.value === 'number'
      ? 1 - Math.abs(value - p.value) / scale
      : value === p.value
        ? 1
        : 0;
}

/**
 * Nash bargaining (`nash_bargaining`): picks the value that maximizes the weighted Nash product
 * `sum(weight * log(utility - disagreement))`, where disagreement is utility 0. The result is
 * Pareto-optimal and splits the gains by weight. Equal products go to the earlier candidate.
 *
 * @example
 * const registry = createCoordinationRegistry([createNashBargaining()]);
 * await negotiateValue('temperature', preferences, { registry, strategy: 'nash_bargaining' });
 */
export function createNashBargaining(options: NashBargainingOptions = {}): NegotiationStrategy {
  const gridSize = options.gridSize ?? 201;
  if (!Number.isInteger(gridSize) || gridSize < 2) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `createNashBargaining: options.gridSize: must be an integer >= 2 (got ${gridSize})`,
      issues: [{ path: 'options.gridSize', message: 'must be an integer >= 2', value: gridSize }],
    });
  }
  return {
    kind: 'negotiation',
    name: options.name ?? 'nash_bargaining',
    specificationVersion: 'v1',
    description: 'Maximizes the weighted Nash product of the agents\u2019 gains.',
    negotiate(request) {
      const values = candidates(request, gridSize);
      const numbers = values.filter((v): v is number => typeof v === 'number');
      const scale = numbers.length > 1 ? Math.max(...numbers) - Math.min(...numbers) : 1;
      const utilities = request.preferences.map((p) => utilityOf(p, scale || 1));
      let best: unknown;
      let bestProduct = Number.NEGATIVE_INFINITY;
      for (const value of values) {
        let product = 0;
        request.preferences.forEach((p, i) => {
          const gain = (utilities[i] as (v: unknown) => number)(value);
          product += p.weight === 0 ? 0 : p.weight * Math.log(gain);
        });
        if (product > bestProduct) {
          bestProduct = product;
          best = value;
        }
      }
      if (bestProduct === Number.NEGATIVE_INFINITY) {
        throw new NegotiationError({
          code: 'NEGOTIATION_INFEASIBLE',
          reason: 'no_agreement',
          variableId: request.variableId,
          message: `no value for "${request.variableId}" leaves every agent better off than disagreement`,
        });
      }
      return {
        value: best,
        rounds: 1,
        rationale: `Nash bargaining: the best weighted Nash product of ${values.length} candidates`,
      };
    },
  };
}
