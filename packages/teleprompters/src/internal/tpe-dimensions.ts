import type { JsonValue, Random, Variable } from '@varplane/core';
import { stableStringify } from './json';
import {
  logTruncatedNormal,
  logTruncatedNormalWith,
  sampleTruncatedNormal,
  truncatedNormalNorm,
} from './parzen';

/** The smoothing of a TPE's kernels. */
export interface KernelSettings {
  /** Weight of the prior, and of the uniform share of each categorical kernel. */
  readonly priorWeight: number;
  /** Chance a subset kernel flips an item the component holds. */
  readonly subsetFlip: number;
}

/** One searched variable as the surrogate sees it. */
export type Dimension =
  | {
      readonly kind: 'numeric';
      readonly id: string;
      readonly minSigma: number;
      readonly encode: (value: JsonValue) => number;
      readonly decode: (x: number) => JsonValue;
    }
  | {
      readonly kind: 'categorical';
      readonly id: string;
      readonly values: readonly JsonValue[];
      readonly weights: readonly number[] | undefined;
    }
  | {
      readonly kind: 'subset';
      readonly id: string;
      readonly pool: readonly JsonValue[];
      readonly maxCount: number;
    };

/** The dimension a variable makes, or undefined when it cannot vary (frozen, fixed, computed). */
export function dimensionOf(
  variable: Variable,
  extra: readonly JsonValue[],
): Dimension | undefined {
  if (variable.hints.frozen === true) return undefined;
  const id = variable.id;
  switch (variable.kind) {
    case 'float': {
      const [min, max] = variable.range;
      if (!(max > min)) return undefined;
      const log = variable.distribution === 'log';
      const lo = log ? Math.log(min) : min;
      const span = (log ? Math.log(max) : max) - lo;
      return {
        kind: 'numeric',
        id,
        minSigma: 0,
        encode: (value) => ((log ? Math.log(value as number) : (value as number)) - lo) / span,
        decode: (x) => {
          const raw = lo + x * span;
          return Math.min(max, Math.max(min, log ? Math.exp(raw) : raw));
        },
      };
    }
    case 'integer': {
      const [min, max] = variable.range;
      const count = Math.floor((max - min) / variable.step);
      if (count <= 0) return undefined;
      return {
        kind: 'numeric',
        id,
        minSigma: 0.5 / count,
        encode: (value) => ((value as number) - min) / variable.step / count,
        decode: (x) => min + Math.round(x * count) * variable.step,
      };
    }
    case 'choice':
      return categorical(id, [...variable.choices, ...extra], variable.weights);
    case 'boolean':
      return categorical(id, [false, true], undefined);
    case 'module':
      return categorical(
        id,
        variable.implementations
          .filter((implementation) =>
            variable.requiredCapabilities.every((capability) =>
              implementation.capabilities.includes(capability),
            ),
          )
          .map((implementation) => implementation.name),
        undefined,
      );
    case 'text':
      return categorical(id, [variable.default, ...variable.candidates, ...extra], undefined);
    case 'demos': {
      const seen = new Set(variable.pool.map((item) => stableStringify(item)));
      const pool = [
        ...variable.pool,
        ...extra.filter((item) => {
          const key = stableStringify(item);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        }),
      ];
      if (pool.length === 0 || variable.maxCount === 0) return undefined;
      return { kind: 'subset', id, pool, maxCount: variable.maxCount };
    }
    case 'composite':
      return undefined;
  }
}

function categorical(
  id: string,
  values: readonly JsonValue[],
  weights: readonly number[] | undefined,
): Dimension | undefined {
  const seen = new Set<string>();
  const unique: JsonValue[] = [];
  const uniqueWeights: number[] = [];
  values.forEach((value, i) => {
    const key = stableStringify(value);
    if (seen.has(key)) return;
    seen.add(key);
    unique.push(value);
    uniqueWeights.push(weights?.[i] ?? 1);
  });
  if (unique.length < 2) return undefined;
  return {
    kind: 'categorical',
    id,
    values: unique,
    weights: weights === undefined ? undefined : uniqueWeights,
  };
}

/** A dimension with the values the observations add (categories and subset items seen). */
export interface Universe {
  readonly keys: string[];
  readonly values: JsonValue[];
  readonly index: Map<string, number>;
  readonly priorWeights: number[];
}

export interface Component {
  /** Per dimension: the encoded value, or undefined when inactive (the prior stands in). */
  readonly points: readonly (number | Set<number> | undefined)[];
  readonly sigmas: readonly number[];
  /** Per numeric dimension with a point: its kernel's norm ({@link truncatedNormalNorm}). */
  readonly norms?: readonly (readonly [number, number] | undefined)[];
  readonly orders: readonly (readonly number[] | undefined)[];
}

export interface Estimator {
  readonly components: readonly Component[];
  readonly logWeights: readonly number[];
}

export const PRIOR_MU = 0.5;
export const PRIOR_SIGMA = 1;
const PRIOR_NORM = truncatedNormalNorm(PRIOR_MU, PRIOR_SIGMA);

/** How often the prior puts a pool item in a demo subset. */
function priorSubsetRate(dimension: Dimension & { kind: 'subset' }, size: number): number {
  return Math.min(0.5, Math.max(1, Math.min(dimension.maxCount, size) / 2) / size);
}

/**
 * Log density at `x` of one component's kernel for one dimension (the prior's when `center` is
 * undefined): a truncated normal, a smoothed categorical, or independent item flips of a subset.
 */
export function logKernel(
  settings: KernelSettings,
  dimension: Dimension,
  world: Universe,
  center: number | Set<number> | undefined,
  sigma: number,
  x: number | Set<number>,
  norm?: readonly [number, number],
): number {
  if (dimension.kind === 'numeric') {
    if (center === undefined) {
      return logTruncatedNormalWith(x as number, PRIOR_MU, PRIOR_SIGMA, PRIOR_NORM);
    }
    const mu = center as number;
    return norm === undefined
      ? logTruncatedNormal(x as number, mu, sigma)
      : logTruncatedNormalWith(x as number, mu, sigma, norm);
  }
  if (dimension.kind === 'categorical') {
    const category = x as number;
    const prior = world.priorWeights[category] ?? 0;
    if (center === undefined) return Math.log(Math.max(prior, 1e-12));
    const hit = center === category ? 1 : 0;
    return Math.log((hit + settings.priorWeight / world.keys.length) / (1 + settings.priorWeight));
  }
  // Sums over the held and chosen items only; every other item is absent on both sides.
  const chosen = x as Set<number>;
  const size = world.keys.length;
  if (center === undefined) {
    const p = priorSubsetRate(dimension, size);
    return chosen.size * Math.log(p) + (size - chosen.size) * Math.log(1 - p);
  }
  const held = center as Set<number>;
  const flip = settings.subsetFlip;
  const add = Math.min(0.5, (flip * Math.max(1, held.size)) / Math.max(1, size - held.size));
  let log = 0;
  let added = 0;
  for (const i of held) log += Math.log(chosen.has(i) ? 1 - flip : flip);
  for (const i of chosen) {
    if (held.has(i)) continue;
    log += Math.log(add);
    added++;
  }
  return log + (size - held.size - added) * Math.log(1 - add);
}

/** A draw from one component's kernel for one dimension (the prior's without a component). */
export function draw(
  settings: KernelSettings,
  dimension: Dimension,
  world: Universe,
  component: Component | undefined,
  d: number,
  random: Random,
): JsonValue {
  const center = component?.points[d];
  if (dimension.kind === 'numeric') {
    const x =
      center === undefined
        ? sampleTruncatedNormal(PRIOR_MU, PRIOR_SIGMA, random)
        : sampleTruncatedNormal(center as number, component?.sigmas[d] ?? PRIOR_SIGMA, random);
    return dimension.decode(x);
  }
  if (dimension.kind === 'categorical') {
    if (center !== undefined && random.next() < 1 / (1 + settings.priorWeight)) {
      return world.values[center as number] as JsonValue;
    }
    const weights = center === undefined ? world.priorWeights : world.values.map(() => 1);
    return random.pickWeighted(world.values, weights);
  }
  const size = world.keys.length;
  const chosen: number[] = [];
  if (center === undefined) {
    const p = priorSubsetRate(dimension, size);
    for (const i of random.shuffle(world.values.map((_, index) => index))) {
      if (random.next() < p) chosen.push(i);
    }
  } else {
    const held = center as Set<number>;
    const flip = settings.subsetFlip;
    const add = Math.min(0.5, (flip * Math.max(1, held.size)) / Math.max(1, size - held.size));
    for (const i of component?.orders[d] ?? [...held]) {
      if (random.next() >= flip) chosen.push(i);
    }
    for (const i of random.shuffle(world.values.map((_, index) => index))) {
      if (!held.has(i) && random.next() < add) chosen.push(i);
    }
  }
  while (chosen.length > dimension.maxCount) chosen.splice(random.int(0, chosen.length - 1), 1);
  return chosen.map((i) => world.values[i] as JsonValue);
}
