import { describeValue, InvalidArgumentError } from './errors';
import { guardInput } from './internal/guard';

/**
 * A seeded source of randomness. Everything in varplane that draws at random takes one, so a run
 * replays exactly from its seed.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** A float in [min, max). */
  float(min: number, max: number): number;
  /** A standard normal draw (mean 0, deviation 1). */
  normal(): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element, uniformly. Throws on an empty array. */
  pick<T>(items: readonly T[]): T;
  /** One element, with probability proportional to its weight. */
  pickWeighted<T>(items: readonly T[], weights: readonly number[]): T;
  /** A shuffled copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent generator seeded from this one: for handing to a sub-task without coupling. */
  fork(): Random;
  /** The internal state, so a generator can be saved and resumed with {@link createRandom}. */
  state(): RandomState;
}

/** The four 32-bit words of an sfc32 generator. */
export type RandomState = readonly [number, number, number, number];

// splitmix32 spreads one seed over the four words sfc32 needs, so nearby seeds give unrelated streams.
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A seeded generator: sfc32 (Chris Doty-Humphrey's small fast counting generator, from PractRand),
 * seeded through splitmix32. Fast, 128 bits of state, and passes PractRand; not for cryptography.
 *
 * @example
 * const random = createRandom(42);
 * random.int(1, 6); // the same roll on every run
 */
export function createRandom(seed: number | RandomState = 0): Random {
  let a: number;
  let b: number;
  let c: number;
  let d: number;
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) {
      throw new InvalidArgumentError({
        code: 'INVALID_ARGUMENT',
        message: `createRandom: seed must be a finite number (got ${describeValue(seed)})`,
        issues: [{ path: 'seed', message: 'must be a finite number', value: seed }],
      });
    }
    const mix = splitmix32(Math.trunc(seed));
    a = mix();
    b = mix();
    c = mix();
    d = mix();
  } else if (
    Array.isArray(seed) &&
    seed.length === 4 &&
    seed.every((word) => typeof word === 'number' && Number.isFinite(word))
  ) {
    [a, b, c, d] = seed.map((word) => word >>> 0) as [number, number, number, number];
  } else {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `createRandom: seed must be a finite number or a state of four numbers from Random.state() (got ${describeValue(seed)})`,
      issues: [{ path: 'seed', message: 'must be a number or a random state', value: seed }],
    });
  }

  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  const next = (): number => nextUint32() / 4294967296;

  let spareNormal: number | undefined;

  const random: Random = {
    next,
    int(min, max) {
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
        badRange('int', 'integers', min, max);
      }
      return min + Math.floor(next() * (max - min + 1));
    },
    float(min, max) {
      if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
        badRange('float', 'finite numbers', min, max);
      }
      return min + next() * (max - min);
    },
    normal() {
      if (spareNormal !== undefined) {
        const value = spareNormal;
        spareNormal = undefined;
        return value;
      }
      // Box-Muller; 1 - next() keeps the logarithm away from zero.
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spareNormal = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
    chance(p) {
      if (typeof p !== 'number' || Number.isNaN(p)) {
        throw new InvalidArgumentError({
          code: 'INVALID_ARGUMENT',
          message: `Random.chance: p must be a probability (got ${describeValue(p)})`,
          issues: [{ path: 'p', message: 'must be a number', value: p }],
        });
      }
      return next() < p;
    },
    pick(items) {
      requireArray('pick', 'items', items);
      if (items.length === 0) {
        throw new InvalidArgumentError({
          code: 'INVALID_ARGUMENT',
          message: 'Random.pick: cannot pick from an empty list',
          issues: [{ path: 'items', message: 'must not be empty', value: items }],
        });
      }
      const index = Math.floor(next() * items.length);
      return guardInput(
        'Random.pick',
        `items[${index}]`,
        items,
        () => items[index],
      ) as (typeof items)[number];
    },
    pickWeighted(items, weights) {
      requireArray('pickWeighted', 'items', items);
      requireArray('pickWeighted', 'weights', weights);
      // Copies read under a guard: an element behind a getter that throws is refused by name.
      const given = guardInput('Random.pickWeighted', 'weights', weights, () => [...weights]);
      let total = 0;
      for (const weight of given) {
        if (typeof weight !== 'number' || !(weight >= 0) || weight === Number.POSITIVE_INFINITY) {
          throw new InvalidArgumentError({
            code: 'INVALID_ARGUMENT',
            message: `Random.pickWeighted: weights must be finite non-negative numbers (got ${describeValue(weight)})`,
            issues: [
              { path: 'weights', message: 'must be finite and non-negative', value: weight },
            ],
          });
        }
        total += weight;
      }
      if (items.length === 0 || items.length !== weights.length || !(total > 0)) {
        throw new InvalidArgumentError({
          code: 'INVALID_ARGUMENT',
          message: 'Random.pickWeighted: needs as many weights as items, summing above 0',
          issues: [
            { path: 'weights', message: 'must match items and sum above 0', value: weights },
          ],
        });
      }
      const at = (i: number) =>
        guardInput(
          'Random.pickWeighted',
          `items[${i}]`,
          items,
          () => items[i],
        ) as (typeof items)[number];
      let target = next() * total;
      for (let i = 0; i < items.length; i++) {
        target -= given[i] as number;
        if (target < 0) return at(i);
      }
      // Rounding can leave a sliver past the end; it belongs to the last item with weight.
      for (let i = items.length - 1; i >= 0; i--) {
        if ((given[i] as number) > 0) return at(i);
      }
      return at(items.length - 1);
    },
    shuffle(items) {
      requireArray('shuffle', 'items', items);
      const out = guardInput('Random.shuffle', 'items', items, () => items.slice());
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const held = out[i] as (typeof out)[number];
        out[i] = out[j] as (typeof out)[number];
        out[j] = held;
      }
      return out;
    },
    fork() {
      return createRandom([nextUint32(), nextUint32(), nextUint32(), nextUint32()]);
    },
    state() {
      return [a, b, c, d];
    },
  };
  return random;
}

function badRange(method: string, kind: string, min: unknown, max: unknown): never {
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `Random.${method}: min and max must be ${kind} with min <= max (got ${describeValue(min)}, ${describeValue(max)})`,
    issues: [
      { path: 'min', message: `must be one of ${kind}, at most max`, value: min },
      { path: 'max', message: `must be one of ${kind}, at least min`, value: max },
    ],
  });
}

function requireArray(method: string, path: string, value: unknown): void {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `Random.${method}: ${path} must be an array (got ${describeValue(value)})`,
      issues: [{ path, message: 'must be an array', value }],
    });
  }
}
