import { AGGREGATIONS } from '@varplane/core';
import { z } from 'zod';
import { isFunction, parseOptions } from './internal/parse';
import { createQuantileSketch } from './quantile-sketch';

/** The card's aggregation names: `sum`, `average`, `max`, `min`, `percentile`, `custom`. */
export type AggregationName = (typeof AGGREGATIONS)[number];

/**
 * How a metric's samples in one collection window become the values reported for it.
 *
 * - `sum`, `average`, `max`, `min`: one value, named after the metric.
 * - `percentile`: one value per quantile (default p50, p90, p99), named `<metric>.p50`..., from a
 *   streaming {@link QuantileSketch} within `relativeAccuracy` (default 1%) of the exact values.
 * - `custom`: `reduce` gets the window's samples and returns one value.
 */
export type AggregationSpec =
  | Exclude<AggregationName, 'custom'>
  | {
      readonly type: 'percentile';
      /** Quantiles in (0, 1]; default `[0.5, 0.9, 0.99]`. */
      readonly quantiles?: readonly number[];
      readonly relativeAccuracy?: number;
    }
  | {
      readonly type: 'custom';
      /** Shown on the dashboard; default `custom`. */
      readonly name?: string;
      readonly reduce: (samples: readonly number[]) => number;
    };

/** Accumulates one window of samples of one metric. */
export interface Aggregator {
  /** The series this aggregator reports, in order (`latency.p50`, `latency.p90`...). */
  readonly series: readonly string[];
  /** Samples added since the last reset. */
  readonly count: number;
  add(sample: number): void;
  /** The window's values by series; empty when the window had no sample. */
  results(): ReadonlyArray<readonly [string, number]>;
  reset(): void;
}

export const DEFAULT_QUANTILES: readonly number[] = [0.5, 0.9, 0.99];

const metricNameSchema = z.string().min(1, 'must be a metric name');
const quantileSchema = z.number().min(0).max(1);

export const aggregationSpecSchema = z.union([
  z.enum(AGGREGATIONS).refine((name) => name !== 'custom', {
    message: "'custom' needs a reducer: { type: 'custom', reduce: (samples) => number }",
  }),
  z
    .object({
      type: z.literal('percentile'),
      quantiles: z.array(z.number().gt(0).max(1)).min(1).optional(),
      relativeAccuracy: z.number().gt(0).lt(1).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('custom'),
      name: z.string().min(1).optional(),
      reduce: z.custom<(samples: readonly number[]) => number>(isFunction, 'must be a function'),
    })
    .strict(),
]);

/** `0.5` → `p50`, `0.999` → `p99.9`. */
export function quantileLabel(q: number): string {
  parseOptions(quantileSchema, q, 'quantileLabel');
  return `p${Number((q * 100).toFixed(4))}`;
}

/** The series names a metric reports under `spec`. */
export function seriesOf(metric: string, spec: AggregationSpec): string[] {
  parseOptions(metricNameSchema, metric, 'seriesOf: metric');
  parseOptions(aggregationSpecSchema, spec, `seriesOf: aggregation of ${metric}`);
  if (typeof spec === 'object' && spec.type === 'percentile') {
    return (spec.quantiles ?? DEFAULT_QUANTILES).map((q) => `${metric}.${quantileLabel(q)}`);
  }
  if (spec === 'percentile') return DEFAULT_QUANTILES.map((q) => `${metric}.${quantileLabel(q)}`);
  return [metric];
}

/**
 * An aggregator for one metric. Sums and averages are exact; percentiles come from a sketch.
 *
 * @example
 * const p = createAggregator('latency', 'percentile');
 * for (const ms of [12, 15, 11, 240]) p.add(ms);
 * p.results(); // [['latency.p50', ~12], ['latency.p90', ~240], ['latency.p99', ~240]]
 */
export function createAggregator(metric: string, spec: AggregationSpec): Aggregator {
  parseOptions(metricNameSchema, metric, 'createAggregator: metric');
  const checked = parseOptions(aggregationSpecSchema, spec, `aggregation of ${metric}`);
  const series = seriesOf(metric, checked as AggregationSpec);
  let count = 0;

  if (typeof checked === 'object' && checked.type === 'custom') {
    const samples: number[] = [];
    const reduce = checked.reduce;
    return {
      series,
      get count() {
        return count;
      },
      add(sample) {
        samples.push(sample);
        count += 1;
      },
      results: () => (count === 0 ? [] : [[metric, reduce(samples)]]),
      reset() {
        samples.length = 0;
        count = 0;
      },
    };
  }

  if (checked === 'percentile' || typeof checked === 'object') {
    const quantiles =
      typeof checked === 'object' ? (checked.quantiles ?? DEFAULT_QUANTILES) : DEFAULT_QUANTILES;
    const sketch = createQuantileSketch(
      typeof checked === 'object' && checked.relativeAccuracy !== undefined
        ? { relativeAccuracy: checked.relativeAccuracy }
        : {},
    );
    return {
      series,
      get count() {
        return sketch.count;
      },
      add: (sample) => sketch.add(sample),
      results: () =>
        sketch.count === 0
          ? []
          : quantiles.map((q, i) => [series[i] as string, sketch.quantile(q)] as const),
      reset: () => sketch.clear(),
    };
  }

  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const value = (): number => {
    switch (checked) {
      case 'sum':
        return sum;
      case 'average':
        return sum / count;
      case 'max':
        return max;
      default:
        return min;
    }
  };
  return {
    series,
    get count() {
      return count;
    },
    add(sample) {
      if (!Number.isFinite(sample)) return;
      count += 1;
      sum += sample;
      if (sample < min) min = sample;
      if (sample > max) max = sample;
    },
    results: () => (count === 0 ? [] : [[metric, value()]]),
    reset() {
      count = 0;
      sum = 0;
      min = Number.POSITIVE_INFINITY;
      max = Number.NEGATIVE_INFINITY;
    },
  };
}

/**
 * Aggregates a finished list of samples at once: the values {@link createAggregator} would report.
 *
 * @example
 * aggregate('depth', [3, 5, 10], 'average'); // { depth: 6 }
 */
export function aggregate(
  metric: string,
  samples: readonly number[],
  spec: AggregationSpec,
): Record<string, number> {
  const aggregator = createAggregator(metric, spec);
  const checked = parseOptions(z.array(z.number()), samples, `aggregate: samples of ${metric}`);
  for (const sample of checked) aggregator.add(sample);
  return Object.fromEntries(aggregator.results());
}
