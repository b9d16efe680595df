import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { TelemetryOptionsError } from './errors';
import { parseOptions } from './internal/parse';
import { readField } from './internal/read-field';

/**
 * A streaming quantile sketch with a stated relative error (DDSketch, Masson, Rim and Lee, VLDB
 * 2019). Values fall into logarithmic buckets `(γ^(i-1), γ^i]` with `γ = (1 + α) / (1 - α)`, and a
 * bucket answers with the value that is at most `α` away, relatively, from anything in it.
 *
 * **Guarantee.** For a quantile `q`, let `x` be the exact value of rank `⌊q · (count - 1)⌋` in the
 * sorted input. `quantile(q)` returns `x̂` with `|x̂ - x| ≤ α · |x|`, for any input distribution, as
 * long as no bucket was collapsed (see `maxBuckets`). Values with `|v| < minIndexableValue` count
 * as zero. Memory grows with the logarithm of the range of the data, not with its count.
 */
export interface QuantileSketch {
  /** The stated relative error `α`. */
  readonly relativeAccuracy: number;
  readonly count: number;
  readonly sum: number;
  /** `Infinity` while empty. */
  readonly min: number;
  /** `-Infinity` while empty. */
  readonly max: number;
  /** Buckets in use, over both signs (the zero bucket not counted). */
  readonly buckets: number;
  /** True once a bucket was collapsed to respect `maxBuckets`: the lowest quantiles lose the bound. */
  readonly collapsed: boolean;
  /** Adds one value (`NaN` and infinities are ignored: they have no bucket). */
  add(value: number): void;
  /** The estimate of quantile `q` in [0, 1]; `NaN` while empty. */
  quantile(q: number): number;
  /** Adds every value another sketch with the same accuracy has seen. */
  merge(other: QuantileSketch): void;
  clear(): void;
  /** The buckets, for merging: `[index, count]` pairs per sign, plus the zero count. */
  state(): SketchState;
}

/** What {@link QuantileSketch.state} returns. */
export interface SketchState {
  readonly relativeAccuracy: number;
  readonly positive: ReadonlyArray<readonly [number, number]>;
  readonly negative: ReadonlyArray<readonly [number, number]>;
  readonly zeros: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

const anyNumber = z.custom<number>(
  (v) => typeof v === 'number' && !Number.isNaN(v),
  'must be a number',
);
const bucketsSchema = z.array(z.tuple([z.number().int(), z.number().nonnegative()]));
const sketchStateSchema = z.object({
  relativeAccuracy: z.number().gt(0).lt(1),
  positive: bucketsSchema,
  negative: bucketsSchema,
  zeros: z.number().nonnegative(),
  count: z.number().nonnegative(),
  sum: anyNumber,
  min: anyNumber,
  max: anyNumber,
});

const optionsSchema = z
  .object({
    relativeAccuracy: z.number().gt(0).lt(1).default(0.01),
    maxBuckets: z.number().int().min(16).default(2048),
    minIndexableValue: z.number().positive().default(1e-9),
  })
  .strict();

export type QuantileSketchOptions = z.input<typeof optionsSchema>;

// One sign's buckets. A Map keeps the code plain; a collection window sees a few hundred values.
function collapseLowest(store: Map<number, number>, maxBuckets: number): boolean {
  if (store.size <= maxBuckets) return false;
  const indices = [...store.keys()].sort((a, b) => a - b);
  const excess = indices.length - maxBuckets;
  const keep = indices[excess] as number;
  let moved = 0;
  for (let i = 0; i < excess; i++) {
    const index = indices[i] as number;
    moved += store.get(index) as number;
    store.delete(index);
  }
  store.set(keep, (store.get(keep) as number) + moved);
  return true;
}

/**
 * A sketch with relative error `relativeAccuracy` (default 1%).
 *
 * @example
 * const sketch = createQuantileSketch({ relativeAccuracy: 0.01 });
 * for (const latency of latencies) sketch.add(latency);
 * sketch.quantile(0.99); // within 1% of the exact p99
 */
export function createQuantileSketch(options: QuantileSketchOptions = {}): QuantileSketch {
  const { relativeAccuracy, maxBuckets, minIndexableValue } = parseOptions(
    optionsSchema,
    options,
    'createQuantileSketch',
  );
  const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
  const logGamma = Math.log(gamma);
  const positive = new Map<number, number>();
  const negative = new Map<number, number>();
  let zeros = 0;
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let collapsed = false;

  const bucketIndex = (magnitude: number) => Math.ceil(Math.log(magnitude) / logGamma);
  // The midpoint, in relative terms, of bucket i: no value of the bucket is more than α from it.
  const bucketValue = (index: number) => (2 * gamma ** index) / (gamma + 1);
  const bump = (store: Map<number, number>, index: number, by: number) => {
    store.set(index, (store.get(index) ?? 0) + by);
  };
  const trim = () => {
    // Collapsing the buckets nearest zero keeps the bound on the high quantiles, which alerts watch.
    if (positive.size + negative.size <= maxBuckets) return;
    const forPositive = Math.max(1, maxBuckets - negative.size);
    if (collapseLowest(positive, forPositive)) collapsed = true;
    if (positive.size + negative.size > maxBuckets) {
      if (collapseLowest(negative, maxBuckets - positive.size)) collapsed = true;
    }
  };

  const sketch: QuantileSketch = {
    relativeAccuracy,
    get count() {
      return count;
    },
    get sum() {
      return sum;
    },
    get min() {
      return min;
    },
    get max() {
      return max;
    },
    get buckets() {
      return positive.size + negative.size;
    },
    get collapsed() {
      return collapsed;
    },
    add(value) {
      if (!Number.isFinite(value)) return;
      if (value > minIndexableValue) bump(positive, bucketIndex(value), 1);
      else if (value < -minIndexableValue) bump(negative, bucketIndex(-value), 1);
      else zeros += 1;
      count += 1;
      sum += value;
      if (value < min) min = value;
      if (value > max) max = value;
      if (positive.size + negative.size > maxBuckets) trim();
    },
    quantile(q) {
      if (count === 0 || !(q >= 0 && q <= 1)) return Number.NaN;
      const rank = q * (count - 1);
      let seen = 0;
      let estimate = Number.NaN;
      // Ascending order: the most negative values first, then zeros, then positives.
      const negatives = [...negative.keys()].sort((a, b) => b - a);
      for (const index of negatives) {
        seen += negative.get(index) as number;
        if (seen > rank) {
          estimate = -bucketValue(index);
          break;
        }
      }
      if (Number.isNaN(estimate)) {
        seen += zeros;
        if (seen > rank) estimate = 0;
      }
      if (Number.isNaN(estimate)) {
        const positives = [...positive.keys()].sort((a, b) => a - b);
        for (const index of positives) {
          seen += positive.get(index) as number;
          if (seen > rank) {
            estimate = bucketValue(index);
            break;
          }
        }
      }
      // Clamping to the seen range only moves the estimate toward the exact value.
      return Math.min(max, Math.max(min, estimate));
    },
    merge(other) {
      if (typeof readField(other, 'state') !== 'function') {
        throw new TelemetryOptionsError({
          code: 'TELEMETRY_INVALID_OPTIONS',
          message: `QuantileSketch.merge: other: must be a QuantileSketch (got ${describeValue(other)})`,
          issues: [{ path: 'other', message: 'must be a QuantileSketch', value: other }],
        });
      }
      const state = parseOptions(
        sketchStateSchema,
        other.state(),
        'QuantileSketch.merge: other.state()',
      );
      if (Math.abs(state.relativeAccuracy - relativeAccuracy) > 1e-12) {
        throw new TelemetryOptionsError({
          code: 'TELEMETRY_INVALID_OPTIONS',
          message: `QuantileSketch.merge: other.relativeAccuracy must be ${relativeAccuracy} (got ${state.relativeAccuracy})`,
          issues: [
            {
              path: 'other.relativeAccuracy',
              message: 'accuracies differ',
              value: state.relativeAccuracy,
            },
          ],
        });
      }
      for (const [index, n] of state.positive) bump(positive, index, n);
      for (const [index, n] of state.negative) bump(negative, index, n);
      zeros += state.zeros;
      count += state.count;
      sum += state.sum;
      min = Math.min(min, state.min);
      max = Math.max(max, state.max);
      trim();
    },
    clear() {
      positive.clear();
      negative.clear();
      zeros = 0;
      count = 0;
      sum = 0;
      min = Number.POSITIVE_INFINITY;
      max = Number.NEGATIVE_INFINITY;
      collapsed = false;
    },
    state() {
      return {
        relativeAccuracy,
        positive: [...positive.entries()],
        negative: [...negative.entries()],
        zeros,
        count,
        sum,
        min,
        max,
      };
    },
  };
  return sketch;
}
