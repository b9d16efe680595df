/**
 * Auctions among the live agents of a running space: the strategies ask the agents through the
 * space's agent port (`running.agents`), exactly as they read plain preference lists elsewhere.
 */
import {
  type AgentQuestion,
  createManualClock,
  createMultiAgentSpace,
  type Preference,
  registerAgent,
} from '@varplane/core';
import { type Behaviour, type SpaceAgentArgs, startSpace } from '@varplane/runtime';
import { describe, expect, it } from 'vitest';
import { createEnglishAuction } from './english-auction';
import { negotiateValue } from './negotiate-value';
import { createVickreyAuction } from './vickrey-auction';

interface Bidder {
  budget: number;
  questions: AgentQuestion[];
}

/** Bids its budget in sealed auctions, stays in open ones while the price is within it. */
const bidder: Behaviour<Bidder, AgentQuestion | 'questions?', SpaceAgentArgs> = {
  name: 'bidder',
  init: ({ args }) => ({ budget: (args as { budget: number }).budget, questions: [] }),
  handle(message, state, ctx) {
    if (message === 'questions?') {
      ctx.reply(state.questions);
      return state;
    }
    if (ctx.isCall && message.type === 'bid') {
      ctx.reply(
        message.askingPrice === undefined ? state.budget : message.askingPrice <= state.budget,
      );
    }
    return { ...state, questions: [...state.questions, message] };
  },
};

/** Takes every question and never answers it. */
const silent: Behaviour<null, AgentQuestion, SpaceAgentArgs> = {
  name: 'silent',
  init: () => null,
  handle(_question, state, ctx) {
    if (ctx.isCall) ctx.deferReply();
    return state;
  },
};

async function team() {
  let space = createMultiAgentSpace({ id: 'auction-house', topology: 'mesh' });
  for (const [id, budget] of [
    ['coder', 40],
    ['critic', 25],
    ['planner', 31],
  ] as const) {
    space = registerAgent(space, { id, behaviour: 'bidder', args: { budget } });
  }
  space = registerAgent(space, { id: 'dreamer', behaviour: 'silent' });
  const clock = createManualClock();
  const running = await startSpace(space, {
    behaviours: { bidder, silent },
    clock,
    statsIntervalMs: 0,
  });
  await running.startAgents();
  return { running, clock };
}

// Budgets in the preferences are deliberately wrong: with live agents, only their answers count.
const bidders: Preference[] = ['coder', 'critic', 'planner', 'dreamer'].map((agent) => ({
  agent,
  value: `gpu-for-${agent}`,
  weight: 1,
  budget: 1,
}));

describe('an auction among the live agents of a running space', () => {
  it('runs a Vickrey auction on their sealed bids, counting a silent agent as no bid', async () => {
    const { running, clock } = await team();
    const outcome = negotiateValue('gpu', bidders, {
      strategy: createVickreyAuction({ askTimeoutMs: 500 }),
      agents: running.agents,
      clock,
    });
    await running.system.whenIdle();
    clock.advance(500);
    await expect(outcome).resolves.toMatchObject({
      variableId: 'gpu',
      value: 'gpu-for-coder',
      winner: 'coder',
      price: 31,
      strategy: 'vickrey',
    });
    const asked = await running.call<AgentQuestion[]>('coder', 'questions?');
    expect(asked).toEqual([{ type: 'bid', item: 'gpu', round: 0 }]);
    await running.stop();
  });

  it('runs an English auction round by round against their limits', async () => {
    const { running, clock } = await team();
    const outcome = negotiateValue('gpu', bidders.slice(0, 3), {
      strategy: createEnglishAuction({ reserve: 10, increment: 5, askTimeoutMs: 500 }),
      agents: running.agents,
      clock,
    });
    // Each round is one call per remaining bidder, answered through the agents' mailboxes.
    // 10, 15, 20, 25 (critic's last), 30 (planner's last), 35: coder alone, and pays 35.
    await expect(outcome).resolves.toMatchObject({
      winner: 'coder',
      price: 35,
      rounds: 6,
      value: 'gpu-for-coder',
    });
    const asked = await running.call<AgentQuestion[]>('coder', 'questions?');
    expect(asked.map((q) => (q as { askingPrice?: number }).askingPrice)).toEqual([
      10, 15, 20, 25, 30, 35,
    ]);
    await running.stop();
  });
});
