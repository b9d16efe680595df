import type { AgentQuestion, Preference } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createEnglishAuction } from './english-auction';
import { createInMemoryAgentPort } from './in-memory-agent-port';
import { negotiateValue } from './negotiate-value';

const bidders: Preference[] = [
  { agent: 'a', value: 'A', weight: 1, budget: 23 },
  { agent: 'b', value: 'B', weight: 1, budget: 17 },
  { agent: 'c', value: 'C', weight: 1, budget: 9 },
];

describe('createEnglishAuction', () => {
  it('raises the price until one bidder is left, who pays the price it stood at', async () => {
    const outcome = await negotiateValue('slot', bidders, {
      strategy: createEnglishAuction({ reserve: 5, increment: 5 }),
    });
    // 5, 10 (c drops), 15, 20 (b drops): a wins at 20.
    expect(outcome).toMatchObject({ winner: 'a', value: 'A', price: 20, rounds: 4 });
  });

  it('settles bidders who drop out together as a tie at the previous price', async () => {
    const tied = bidders.map((b) => ({ ...b, budget: 12 }));
    const outcome = await negotiateValue('slot', tied, {
      strategy: createEnglishAuction({ increment: 5 }),
    });
    expect(outcome).toMatchObject({ winner: 'a', price: 10 });
    expect(outcome.rationale).toContain('3 bidders left together at 15');
  });

  it('honours the reserve', async () => {
    await expect(
      negotiateValue('slot', bidders, { strategy: createEnglishAuction({ reserve: 24 }) }),
    ).rejects.toMatchObject({ code: 'NEGOTIATION_INFEASIBLE', reason: 'reserve_not_met' });
  });

  it('stops at maxRounds with a typed error', async () => {
    await expect(
      negotiateValue('slot', bidders, {
        strategy: createEnglishAuction({ increment: 0.001, maxRounds: 100 }),
      }),
    ).rejects.toMatchObject({ code: 'NEGOTIATION_ROUND_LIMIT' });
  });

  it('asks live agents round by round with the asking price', async () => {
    const limit = (max: number) => (q: AgentQuestion) =>
      q.type === 'bid' && (q.askingPrice ?? 0) <= max;
    const agents = createInMemoryAgentPort({ a: limit(12), b: limit(30), c: () => false });
    const outcome = await negotiateValue('slot', bidders, {
      strategy: createEnglishAuction({ increment: 10 }),
      agents,
    });
    expect(outcome).toMatchObject({ winner: 'b', price: 20, value: 'B' });
    expect(agents.asked.filter((q) => q.agent === 'b').map((q) => q.question)).toEqual([
      { type: 'bid', item: 'slot', round: 0, askingPrice: 0 },
      { type: 'bid', item: 'slot', round: 1, askingPrice: 10 },
      { type: 'bid', item: 'slot', round: 2, askingPrice: 20 },
    ]);
  });
});
