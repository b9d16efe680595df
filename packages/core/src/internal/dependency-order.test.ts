import { describe, expect, it } from 'vitest';
import { orderByDependencies } from './dependency-order';

describe('orderByDependencies', () => {
  it('puts each node after its dependencies, keeping input order otherwise', () => {
    // 0 reads 2, 1 reads nothing, 2 reads 1, 3 reads nothing.
    expect(orderByDependencies([[2], [], [1], []])).toEqual({ ok: true, order: [1, 2, 0, 3] });
  });

  it('returns the cycle path with its first node repeated', () => {
    expect(orderByDependencies([[1], [2], [0]])).toEqual({ ok: false, cycle: [0, 1, 2, 0] });
    expect(orderByDependencies([[], [1]])).toEqual({ ok: false, cycle: [1, 1] });
  });

  it('orders a chain of 50,000 nodes without deep recursion', () => {
    const count = 50_000;
    // Node i reads node i + 1: the deepest possible dependency chain.
    const edges = Array.from({ length: count }, (_, i) => (i === count - 1 ? [] : [i + 1]));
    const result = orderByDependencies(edges);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.order[0]).toBe(count - 1);
      expect(result.order[count - 1]).toBe(0);
    }
  });
});
