import { createRandom, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { aggregate, createAggregator, quantileLabel, seriesOf } from './aggregation';

const samples = [4, 8, 15, 16, 23, 42];

describe('aggregate', () => {
  it('sums, averages, and takes the max and min of a window by hand-computed values', () => {
    expect(aggregate('depth', samples, 'sum')).toEqual({ depth: 108 });
    expect(aggregate('depth', samples, 'average')).toEqual({ depth: 18 });
    expect(aggregate('depth', samples, 'max')).toEqual({ depth: 42 });
    expect(aggregate('depth', samples, 'min')).toEqual({ depth: 4 });
  });

  it('reports p50, p90 and p99 within the sketch error of the exact rank values', () => {
    const random = createRandom(5);
    const latencies = Array.from({ length: 10_001 }, () => random.float(1, 1_000));
    const out = aggregate('latency', latencies, 'percentile');
    const sorted = [...latencies].sort((a, b) => a - b);
    // Exact ranks ⌊q·(n-1)⌋ of 10,001 samples: 5,000, 9,000, 9,900.
    const exact = {
      'latency.p50': sorted[5_000]!,
      'latency.p90': sorted[9_000]!,
      'latency.p99': sorted[9_900]!,
    };
    expect(Object.keys(out)).toEqual(['latency.p50', 'latency.p90', 'latency.p99']);
    for (const [series, value] of Object.entries(exact)) {
      expect(Math.abs((out[series] as number) - value)).toBeLessThanOrEqual(0.01 * value);
    }
  });

  it('takes custom quantiles and accuracy', () => {
    const values = Array.from({ length: 1_000 }, (_, i) => i + 1);
    const out = aggregate('x', values, {
      type: 'percentile',
      quantiles: [0.25, 0.999],
      relativeAccuracy: 0.001,
    });
    // Exact: rank 249 → 250, rank 998 → 999.
    expect(Math.abs((out['x.p25'] as number) - 250)).toBeLessThanOrEqual(0.25);
    expect(Math.abs((out['x.p99.9'] as number) - 999)).toBeLessThanOrEqual(0.999);
  });

  it('runs a custom reducer over the window samples', () => {
    const range = (values: readonly number[]) => Math.max(...values) - Math.min(...values);
    expect(aggregate('spread', samples, { type: 'custom', reduce: range })).toEqual({ spread: 38 });
  });

  it('reports nothing for an empty window', () => {
    expect(aggregate('depth', [], 'max')).toEqual({});
    expect(aggregate('depth', [], 'percentile')).toEqual({});
  });
});

describe('createAggregator', () => {
  it('starts a new window after reset', () => {
    const aggregator = createAggregator('errors', 'sum');
    aggregator.add(2);
    aggregator.add(3);
    expect(aggregator.results()).toEqual([['errors', 5]]);
    aggregator.reset();
    expect(aggregator.count).toBe(0);
    aggregator.add(7);
    expect(aggregator.results()).toEqual([['errors', 7]]);
  });

  it("rejects a bare 'custom', saying what it needs", () => {
    try {
      createAggregator('x', 'custom' as never);
      expect.unreachable();
    } catch (error) {
      expect(VarplaneError.isInstance(error, 'TELEMETRY_INVALID_OPTIONS')).toBe(true);
      expect((error as Error).message).toMatch(/aggregation of x: .*'custom' needs a reducer/);
    }
  });

  it('names series after the quantiles', () => {
    expect(seriesOf('lat', 'percentile')).toEqual(['lat.p50', 'lat.p90', 'lat.p99']);
    expect(seriesOf('lat', 'max')).toEqual(['lat']);
    expect(quantileLabel(0.999)).toBe('p99.9');
  });
});
