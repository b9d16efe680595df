import type { Preference } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createInMemoryAgentPort } from './in-memory-agent-port';
import { createMarketBasedNegotiation } from './market-based-negotiation';
import { negotiateValue } from './negotiate-value';

const orders: Preference[] = [
  { agent: 'b1', side: 'buy', value: 12, weight: 2 },
  { agent: 'b2', side: 'buy', value: 10, weight: 3 },
  { agent: 'b3', side: 'buy', value: 6, weight: 4 },
  { agent: 's1', side: 'sell', value: 5, weight: 2 },
  { agent: 's2', side: 'sell', value: 8, weight: 2 },
  { agent: 's3', side: 'sell', value: 11, weight: 5 },
];

describe('createMarketBasedNegotiation', () => {
  it('clears where supply meets demand', async () => {
    // b1 buys 2 from s1; b2 buys 2 from s2; b2's last unit (10) does not cover s3 (11).
    const outcome = await negotiateValue('price', orders, { strategy: 'market_based' });
    expect(outcome).toMatchObject({ value: 9, price: 9 });
    expect(outcome.rationale).toBe(
      'double auction: 4 units trade at 9, between the last matched sell price 8 and buy price 10',
    );
  });

  it('leans toward sellers with k = 1', async () => {
    const outcome = await negotiateValue('price', orders, {
      strategy: createMarketBasedNegotiation({ k: 1 }),
    });
    expect(outcome.value).toBe(10);
  });

  it('says when prices never cross', async () => {
    await expect(
      negotiateValue(
        'price',
        [
          { agent: 'b', side: 'buy', value: 4, weight: 1 },
          { agent: 's', side: 'sell', value: 5, weight: 1 },
        ],
        { strategy: 'market_based' },
      ),
    ).rejects.toMatchObject({
      code: 'NEGOTIATION_INFEASIBLE',
      reason: 'no_clearing_price',
      message:
        'no clearing price for "price": the highest buy price 4 is below the lowest sell price 5',
    });
  });

  it('needs a side on every order', async () => {
    await expect(
      negotiateValue('price', [{ agent: 'b', value: 4, weight: 1 }], { strategy: 'market_based' }),
    ).rejects.toThrow('market_based: preferences.0.side: must be "buy" or "sell" (got undefined)');
  });

  it('asks live traders for their limit prices', async () => {
    const agents = createInMemoryAgentPort({
      b1: () => 20,
      b2: () => 1,
      b3: () => 1,
      s1: () => 4,
      s2: () => 30,
      s3: () => 30,
    });
    const outcome = await negotiateValue('price', orders, { strategy: 'market_based', agents });
    expect(outcome.value).toBe(12);
  });
});
