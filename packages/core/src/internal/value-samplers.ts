import type { Random } from '../random';
import type { JsonValue, Variable } from '../variable';
import { isEligibleImplementation } from '../variables/module';
import { createFloatGrid } from './float-grid';

/**
 * How sampling and mutation move one variable. Every value it returns passes the variable's own
 * checker; constraints are the space's business.
 */
export interface ValueSampler {
  /** More than one value can be drawn, so the variable is a search dimension. */
  readonly canVary: boolean;
  readonly continuous: boolean;
  sample(random: Random): JsonValue;
  /** A neighbour of `value`; `strength` in [0, 1] scales the step. */
  mutate(value: JsonValue, random: Random, strength: number): JsonValue;
}

type ValueVariable = Exclude<Variable, { kind: 'composite' }>;

const clamp = (value: number, low: number, high: number) => Math.max(low, Math.min(value, high));

/** One of `items` other than `current`, or `current` itself when there is no other. */
function pickOther<T>(
  items: readonly T[],
  current: unknown,
  random: Random,
  weights?: readonly number[],
): T | undefined {
  const others: T[] = [];
  const otherWeights: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const weight = weights === undefined ? 1 : (weights[i] as number);
    if (items[i] !== current && weight > 0) {
      others.push(items[i] as T);
      otherWeights.push(weight);
    }
  }
  if (others.length === 0) return undefined;
  return weights === undefined ? random.pick(others) : random.pickWeighted(others, otherWeights);
}

/** Compiles the sampler of a non-composite variable. */
export function createValueSampler(variable: ValueVariable): ValueSampler {
  const scale = variable.hints.mutationScale ?? 1;
  switch (variable.kind) {
    case 'float': {
      const [min, max] = variable.range;
      const { round, low, high } = createFloatGrid(min, max, variable.precision);
      const log = variable.distribution === 'log';
      const logMin = Math.log(min);
      const logMax = Math.log(max);
      // A gaussian step can overshoot; reflecting once off the bound keeps mass off the edges,
      // and the clamp catches what still lands outside.
      const settle = (value: number) => {
        let inside = value;
        if (inside < min) inside = min + (min - inside);
        else if (inside > max) inside = max - (inside - max);
        return clamp(round(clamp(inside, min, max)), low, high);
      };
      return {
        canVary: low < high,
        continuous: true,
        sample: (random) =>
          settle(log ? Math.exp(random.float(logMin, logMax)) : random.float(min, max)),
        mutate(value, random, strength) {
          const step = random.normal() * strength * scale;
          if (log) return settle(Math.exp(Math.log(value as number) + step * (logMax - logMin)));
          return settle((value as number) + step * (max - min));
        },
      };
    }
    case 'integer': {
      const [min, max] = variable.range;
      const step = variable.step;
      const count = Math.floor((max - min) / step);
      return {
        canVary: count > 0,
        continuous: false,
        sample: (random) => min + random.int(0, count) * step,
        mutate(value, random, strength) {
          const index = Math.round(((value as number) - min) / step);
          let delta = Math.round(random.normal() * strength * scale * count);
          if (delta === 0) delta = random.chance(0.5) ? 1 : -1;
          let next = clamp(index + delta, 0, count);
          if (next === index && count > 0) next = index === count ? index - 1 : index + 1;
          return min + next * step;
        },
      };
    }
    case 'choice': {
      const { choices, weights } = variable;
      const drawable = weights === undefined ? choices.length : weights.filter((w) => w > 0).length;
      return {
        canVary: drawable > 1,
        continuous: false,
        sample: (random) =>
          weights === undefined ? random.pick(choices) : random.pickWeighted(choices, weights),
        mutate: (value, random) => pickOther(choices, value, random, weights) ?? value,
      };
    }
    case 'boolean':
      return {
        canVary: true,
        continuous: false,
        sample: (random) => random.chance(0.5),
        mutate: (value) => !value,
      };
    case 'module': {
      const names = variable.implementations
        .filter((implementation) =>
          isEligibleImplementation(implementation, variable.requiredCapabilities),
        )
        .map((implementation) => implementation.name);
      return {
        canVary: names.length > 1,
        continuous: false,
        sample: (random) => random.pick(names),
        mutate: (value, random) => pickOther(names, value, random) ?? value,
      };
    }
    case 'text': {
      // The default stays among the options: it is often the best instruction known.
      const options = [...new Set([variable.default, ...variable.candidates])];
      return {
        canVary: options.length > 1,
        continuous: false,
        sample: (random) => random.pick(options),
        mutate: (value, random) => pickOther(options, value, random) ?? value,
      };
    }
    case 'demos':
      return createDemosSampler(variable.pool, variable.maxCount);
  }
}

function createDemosSampler(pool: readonly JsonValue[], maxCount: number): ValueSampler {
  const keys = pool.map((example) => JSON.stringify(example));
  const limit = Math.min(maxCount, pool.length);
  // Pool examples the value does not hold yet, so additions and swaps never duplicate one.
  const unused = (value: readonly JsonValue[]) => {
    const held = new Set(value.map((example) => JSON.stringify(example)));
    const out: number[] = [];
    for (let i = 0; i < keys.length; i++) if (!held.has(keys[i] as string)) out.push(i);
    return out;
  };
  return {
    canVary: limit > 0,
    continuous: false,
    sample(random) {
      const count = random.int(0, limit);
      const indices = random.shuffle(pool.map((_, index) => index));
      return indices.slice(0, count).map((index) => pool[index] as JsonValue);
    },
    mutate(value, random) {
      const current = value as readonly JsonValue[];
      const free = unused(current);
      const moves: Array<'add' | 'remove' | 'swap'> = [];
      if (current.length < maxCount && free.length > 0) moves.push('add');
      if (current.length > 0) moves.push('remove');
      if (current.length > 0 && free.length > 0) moves.push('swap');
      if (moves.length === 0) return value;
      const move = random.pick(moves);
      const next = current.slice();
      if (move === 'remove') {
        next.splice(random.int(0, next.length - 1), 1);
      } else {
        const example = pool[random.pick(free)] as JsonValue;
        if (move === 'add') next.splice(random.int(0, next.length), 0, example);
        else next[random.int(0, next.length - 1)] = example;
      }
      return next;
    },
  };
}
