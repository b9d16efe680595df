import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VarplaneError } from './errors';
import { createRandom } from './random';

describe('createRandom', () => {
  it('replays the same stream from the same seed, and a different one from another seed', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const draw = (r: ReturnType<typeof createRandom>) => Array.from({ length: 5 }, () => r.next());
    const first = draw(a);
    expect(draw(b)).toEqual(first);
    expect(draw(c)).not.toEqual(first);
  });

  it('resumes exactly from a saved state', () => {
    const r = createRandom(123);
    r.next();
    const saved = r.state();
    const expected = [r.next(), r.int(0, 100), r.normal()];
    const resumed = createRandom(saved);
    expect([resumed.next(), resumed.int(0, 100), resumed.normal()]).toEqual(expected);
  });

  it('keeps draws in their ranges', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: 0, max: 50 }),
        (seed, min, width) => {
          const r = createRandom(seed);
          const x = r.next();
          const n = r.int(min, min + width);
          const f = r.float(min, min + width + 1);
          return (
            x >= 0 &&
            x < 1 &&
            Number.isInteger(n) &&
            n >= min &&
            n <= min + width &&
            f >= min &&
            f < min + width + 1
          );
        },
      ),
      { seed: 42, numRuns: 500 },
    );
  });

  it('draws weighted picks in proportion to their weights', () => {
    const r = createRandom(1);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 20_000; i++)
      counts[r.pickWeighted(['a', 'b', 'c'] as const, [1, 3, 0])] += 1;
    expect(counts.c).toBe(0);
    expect(counts.b / counts.a).toBeGreaterThan(2.7);
    expect(counts.b / counts.a).toBeLessThan(3.3);
  });

  it('draws normals with mean 0 and deviation 1', () => {
    const r = createRandom(3);
    const xs = Array.from({ length: 20_000 }, () => r.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('shuffles into a permutation and forks an independent stream', () => {
    const r = createRandom(9);
    const shuffled = r.shuffle([1, 2, 3, 4, 5, 6]);
    expect([...shuffled].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const fork = r.fork();
    expect(fork.next()).not.toBe(r.next());
  });

  it('rejects a bad seed and empty picks with typed errors', () => {
    expect(() => createRandom(Number.NaN)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    const r = createRandom(0);
    const error = (() => {
      try {
        r.pick([]);
      } catch (e) {
        return e;
      }
    })();
    expect(VarplaneError.isInstance(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(() => r.pickWeighted(['a'], [0])).toThrow(/summing above 0/);
  });
});
