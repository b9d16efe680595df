import { createRandom, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createQuantileSketch } from './quantile-sketch';

const QUANTILES = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

function expectWithinBound(values: readonly number[], accuracy: number) {
  const sketch = createQuantileSketch({ relativeAccuracy: accuracy });
  for (const v of values) sketch.add(v);
  const sorted = [...values].sort((a, b) => a - b);
  for (const q of QUANTILES) {
    const exact = exactQuantile(sorted, q);
    const estimate = sketch.quantile(q);
    expect(
      Math.abs(estimate - exact),
      `q=${q} exact=${exact} estimate=${estimate}`,
    ).toBeLessThanOrEqual(accuracy * Math.abs(exact) + 1e-12);
  }
  return sketch;
}

describe('createQuantileSketch', () => {
  it('keeps every quantile of a log-normal within the stated 1% error', () => {
    const random = createRandom(7);
    const values = Array.from({ length: 20_000 }, () => Math.exp(3 + 1.5 * random.normal()));
    const sketch = expectWithinBound(values, 0.01);
    expect(sketch.count).toBe(20_000);
    expect(sketch.collapsed).toBe(false);
    // Memory follows the range of the data, not its count.
    expect(sketch.buckets).toBeLessThan(1_000);
  });

  it('holds the bound for uniform, mixed-sign and zero-heavy data at 2% and 0.5%', () => {
    const random = createRandom(11);
    const uniform = Array.from({ length: 5_000 }, () => random.float(0, 1_000));
    const mixed = Array.from({ length: 5_000 }, () => random.float(-500, 500));
    const zeros = Array.from({ length: 5_000 }, (_, i) => (i % 3 === 0 ? 0 : random.int(1, 40)));
    for (const accuracy of [0.02, 0.005]) {
      expectWithinBound(uniform, accuracy);
      expectWithinBound(mixed, accuracy);
      expectWithinBound(zeros, accuracy);
    }
  });

  it('answers exactly for a single value and NaN while empty', () => {
    const sketch = createQuantileSketch();
    expect(sketch.quantile(0.5)).toBeNaN();
    sketch.add(42);
    expect(sketch.quantile(0)).toBe(42);
    expect(sketch.quantile(0.99)).toBe(42);
    expect(sketch.min).toBe(42);
    expect(sketch.max).toBe(42);
    expect(sketch.sum).toBe(42);
  });

  it('ignores NaN and infinities, and answers NaN for a quantile outside [0, 1]', () => {
    const sketch = createQuantileSketch();
    sketch.add(Number.NaN);
    sketch.add(Number.POSITIVE_INFINITY);
    sketch.add(5);
    expect(sketch.count).toBe(1);
    expect(sketch.quantile(1.5)).toBeNaN();
  });

  it('merges two sketches into the sketch of the union', () => {
    const random = createRandom(3);
    const a = Array.from({ length: 3_000 }, () => random.float(1, 100));
    const b = Array.from({ length: 3_000 }, () => random.float(50, 5_000));
    const left = createQuantileSketch();
    const right = createQuantileSketch();
    for (const v of a) left.add(v);
    for (const v of b) right.add(v);
    left.merge(right);
    const sorted = [...a, ...b].sort((x, y) => x - y);
    expect(left.count).toBe(6_000);
    for (const q of QUANTILES) {
      const exact = exactQuantile(sorted, q);
      expect(Math.abs(left.quantile(q) - exact)).toBeLessThanOrEqual(0.01 * exact + 1e-12);
    }
  });

  it('refuses to merge sketches of different accuracy, naming both values', () => {
    const left = createQuantileSketch({ relativeAccuracy: 0.01 });
    const right = createQuantileSketch({ relativeAccuracy: 0.02 });
    expect(() => left.merge(right)).toThrowError(/relativeAccuracy must be 0.01 \(got 0.02\)/);
  });

  it('collapses the lowest buckets past maxBuckets and keeps the bound on high quantiles', () => {
    const sketch = createQuantileSketch({ relativeAccuracy: 0.01, maxBuckets: 16 });
    const values = Array.from({ length: 200 }, (_, i) => 1.05 ** i);
    for (const v of values) sketch.add(v);
    expect(sketch.buckets).toBeLessThanOrEqual(16);
    expect(sketch.collapsed).toBe(true);
    const exact = exactQuantile(values, 0.99);
    expect(Math.abs(sketch.quantile(0.99) - exact)).toBeLessThanOrEqual(0.01 * exact);
    sketch.clear();
    expect(sketch.count).toBe(0);
    expect(sketch.collapsed).toBe(false);
  });

  it('rejects an accuracy outside (0, 1) with a typed error naming the field', () => {
    try {
      createQuantileSketch({ relativeAccuracy: 1.5 });
      expect.unreachable();
    } catch (error) {
      expect(VarplaneError.isInstance(error, 'TELEMETRY_INVALID_OPTIONS')).toBe(true);
      expect((error as Error).message).toMatch(/relativeAccuracy.*\(got 1\.5\)/);
    }
  });
});
