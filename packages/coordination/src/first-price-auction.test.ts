import type { Preference } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createFirstPriceAuction } from './first-price-auction';
import { createInMemoryAgentPort } from './in-memory-agent-port';
import { negotiateValue } from './negotiate-value';

const bids: Preference[] = [
  { agent: 'b', value: 'plan-b', weight: 1, budget: 30 },
  { agent: 'a', value: 'plan-a', weight: 1, budget: 30 },
  { agent: 'c', value: 'plan-c', weight: 1, budget: 12 },
];

describe('createFirstPriceAuction', () => {
  it('gives the highest bidder its value at its own bid, ties to the smaller agent id', async () => {
    const outcome = await negotiateValue('plan', bids, { strategy: createFirstPriceAuction() });
    expect(outcome).toMatchObject({ value: 'plan-a', winner: 'a', price: 30, rounds: 1 });
  });

  it('bids the weight when a preference has no budget', async () => {
    const outcome = await negotiateValue(
      'plan',
      [
        { agent: 'a', value: 1, weight: 0.2 },
        { agent: 'b', value: 2, weight: 0.8 },
      ],
      { strategy: createFirstPriceAuction() },
    );
    expect(outcome).toMatchObject({ winner: 'b', price: 0.8, value: 2 });
  });

  it('honours the reserve price', async () => {
    const auction = createFirstPriceAuction({ reserve: 31 });
    await expect(negotiateValue('plan', bids, { strategy: auction })).rejects.toMatchObject({
      code: 'NEGOTIATION_INFEASIBLE',
      reason: 'reserve_not_met',
      message: 'no bid for "plan" reached the reserve price 31',
    });
  });

  it('breaks ties by a seeded draw with tieBreak random, the same on every run', async () => {
    const auction = createFirstPriceAuction({ tieBreak: 'random' });
    const winners = new Set<string | undefined>();
    for (let seed = 0; seed < 20; seed++) {
      const first = await negotiateValue('plan', bids, { strategy: auction, seed });
      const again = await negotiateValue('plan', bids, { strategy: auction, seed });
      expect(again.winner).toBe(first.winner);
      winners.add(first.winner);
    }
    expect([...winners].sort()).toEqual(['a', 'b']);
  });

  it('asks live agents for sealed bids and ignores those that do not answer', async () => {
    const agents = createInMemoryAgentPort({
      a: () => 5,
      b: () => 9,
      c: () => 'lots',
    });
    const outcome = await negotiateValue('plan', bids, {
      strategy: createFirstPriceAuction(),
      agents,
    });
    expect(outcome).toMatchObject({ winner: 'b', price: 9, value: 'plan-b' });
    expect(agents.asked.map((q) => q.question)).toEqual([
      { type: 'bid', item: 'plan', round: 0 },
      { type: 'bid', item: 'plan', round: 0 },
      { type: 'bid', item: 'plan', round: 0 },
    ]);
  });

  it('skips bidders whose value is not allowed', async () => {
    const outcome = await negotiateValue('plan', bids, {
      strategy: createFirstPriceAuction(),
      constraints: { allowed: ['plan-c'] },
    });
    expect(outcome).toMatchObject({ winner: 'c', value: 'plan-c', price: 12 });
  });

  it('refuses bad options by path', () => {
    expect(() => createFirstPriceAuction({ reserve: -1 })).toThrow('options.reserve');
    expect(() => createFirstPriceAuction({ tieBreak: 'coin' as 'random' })).toThrow(
      'options.tieBreak',
    );
  });
});
