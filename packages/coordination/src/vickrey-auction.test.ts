import { createManualClock, type Preference } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createInMemoryAgentPort } from './in-memory-agent-port';
import { negotiateValue } from './negotiate-value';
import { createVickreyAuction } from './vickrey-auction';

const bids: Preference[] = [
  { agent: 'coder', value: 'gpu-for-coder', weight: 1, budget: 40 },
  { agent: 'critic', value: 'gpu-for-critic', weight: 1, budget: 25 },
  { agent: 'planner', value: 'gpu-for-planner', weight: 1, budget: 31 },
];

describe('createVickreyAuction', () => {
  it('gives the highest bidder its value at the second-highest price', async () => {
    const outcome = await negotiateValue('gpu', bids, { strategy: 'vickrey' });
    expect(outcome).toMatchObject({
      winner: 'coder',
      price: 31,
      value: 'gpu-for-coder',
      strategy: 'vickrey',
    });
    expect(outcome.rationale).toBe(
      'Vickrey auction: coder bid highest and pays the second price 31',
    );
  });

  it('charges the reserve when only one bid reaches it, and ignores bids below it', async () => {
    const outcome = await negotiateValue('gpu', bids, {
      strategy: createVickreyAuction({ reserve: 35 }),
    });
    expect(outcome).toMatchObject({ winner: 'coder', price: 35 });
    await expect(
      negotiateValue('gpu', bids, { strategy: createVickreyAuction({ reserve: 41 }) }),
    ).rejects.toMatchObject({ code: 'NEGOTIATION_INFEASIBLE', reason: 'reserve_not_met' });
  });

  it('prices a tie at the tied bid', async () => {
    const tied = [...bids, { agent: 'analyst', value: 'gpu-for-analyst', weight: 1, budget: 40 }];
    const outcome = await negotiateValue('gpu', tied, { strategy: 'vickrey' });
    expect(outcome).toMatchObject({ winner: 'analyst', price: 40 });
  });

  it('runs 10,000 bids in one pass', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({
      agent: `agent-${i}`,
      value: i,
      weight: 1,
      budget: (i * 7919) % 10_007,
    }));
    const outcome = await negotiateValue('slot', many, { strategy: 'vickrey' });
    const sorted = many.map((b) => b.budget).sort((x, y) => y - x);
    expect(outcome.price).toBe(sorted[1]);
    expect(many.find((b) => b.agent === outcome.winner)?.budget).toBe(sorted[0]);
  });

  it('counts live agents that stay silent past the ask timeout as no bid', async () => {
    const clock = createManualClock();
    const agents = createInMemoryAgentPort({
      coder: () => new Promise(() => {}),
      critic: () => 12,
      planner: () => 20,
    });
    const run = negotiateValue('gpu', bids, {
      strategy: createVickreyAuction({ askTimeoutMs: 300 }),
      agents,
      clock,
    });
    await Promise.resolve();
    clock.advance(300);
    await expect(run).resolves.toMatchObject({ winner: 'planner', price: 12 });
  });

  it('explains a live auction nobody bid in', async () => {
    const agents = createInMemoryAgentPort({
      coder: () => -1,
      critic: () => Number.NaN,
      planner: () => null,
    });
    await expect(
      negotiateValue('gpu', bids, { strategy: createVickreyAuction({ reserve: 1 }), agents }),
    ).rejects.toThrow(
      'no bid for "gpu" reached the reserve price 1 (no bid from coder, critic, planner)',
    );
  });
});
