import type { AgentQuestion, Preference } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createDutchAuction } from './dutch-auction';
import { createInMemoryAgentPort } from './in-memory-agent-port';
import { negotiateValue } from './negotiate-value';

const bidders: Preference[] = [
  { agent: 'a', value: 'A', weight: 1, budget: 42 },
  { agent: 'b', value: 'B', weight: 1, budget: 57 },
];

describe('createDutchAuction', () => {
  it('lowers the price until the first bidder accepts', async () => {
    const outcome = await negotiateValue('slot', bidders, {
      strategy: createDutchAuction({ startPrice: 100, decrement: 10 }),
    });
    // 100, 90, 80, 70, 60, 50: b accepts at 50.
    expect(outcome).toMatchObject({ winner: 'b', price: 50, rounds: 6, value: 'B' });
  });

  it('opens at the highest budget without a start price', async () => {
    const outcome = await negotiateValue('slot', bidders, { strategy: createDutchAuction() });
    expect(outcome).toMatchObject({ winner: 'b', price: 57, rounds: 1 });
  });

  it('never falls below the reserve', async () => {
    await expect(
      negotiateValue('slot', bidders, {
        strategy: createDutchAuction({ startPrice: 100, decrement: 10, reserve: 60 }),
      }),
    ).rejects.toMatchObject({ code: 'NEGOTIATION_INFEASIBLE', reason: 'reserve_not_met' });
  });

  it('asks live agents at each price, and needs a start price to do so', async () => {
    const accept = (at: number) => (q: AgentQuestion) =>
      q.type === 'bid' && (q.askingPrice ?? 0) <= at;
    const agents = createInMemoryAgentPort({ a: accept(75), b: accept(70) });
    const outcome = await negotiateValue('slot', bidders, {
      strategy: createDutchAuction({ startPrice: 100, decrement: 5 }),
      agents,
    });
    expect(outcome).toMatchObject({ winner: 'a', price: 75 });
    await expect(
      negotiateValue('slot', bidders, { strategy: createDutchAuction(), agents }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'dutch auction: options.startPrice: is required when bids come from live agents',
    });
  });
});
