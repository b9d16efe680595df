import { describe, expect, it } from 'vitest';
import { createCostModel } from './cost-model';

describe('createCostModel', () => {
  const costs = createCostModel({
    prices: {
      'gpt-4o-mini': { input: 0.15, output: 0.6 },
      'gpt-4o*': { input: 2.5, output: 10 },
      'gpt-*': { input: 1, output: 1 },
    },
  });

  it('prices by exact id, then by the longest matching prefix', () => {
    expect(costs.price('gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 });
    expect(costs.price('gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(costs.price('gpt-3.5')).toEqual({ input: 1, output: 1 });
    expect(costs.price('llama3')).toBeUndefined();
  });

  it('computes the cost of a usage per million tokens', () => {
    expect(
      costs.cost('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 500_000 }),
    ).toBeCloseTo(0.45, 12);
    expect(costs.cost('llama3', { inputTokens: 1, outputTokens: 1 })).toBeUndefined();
    const usage = { inputTokens: 2000, outputTokens: 1000, totalTokens: 3000 };
    expect(costs.withCost('gpt-4o', usage)).toEqual({ ...usage, cost: 0.015 });
    expect(costs.withCost('llama3', usage)).toBe(usage);
  });

  it('rejects negative prices with the path', () => {
    expect(() => createCostModel({ prices: { m: { input: -1, output: 0 } } })).toThrow(
      /prices\.m\.input/,
    );
  });
});
