import {
  createManualClock,
  createMultiAgentSpace,
  type ResourceGrant,
  type RuntimeEvent,
  registerAgent,
  VarplaneError,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { Behaviour } from './behaviour';
import { startSpace } from './running-space';

const worker: Behaviour<number, string> = {
  name: 'worker',
  init: () => 0,
  async handle(_task, done, ctx) {
    await Promise.resolve();
    if (ctx.isCall) ctx.reply(done + 1);
    return done + 1;
  },
};

async function team() {
  const clock = createManualClock();
  let space = createMultiAgentSpace({ id: 'gpu_team' });
  for (const id of ['trainer', 'coder', 'reviewer'])
    space = registerAgent(space, { id, behaviour: 'worker' });
  const running = await startSpace(space, {
    behaviours: { worker },
    clock,
    statsIntervalMs: 0,
    grantCapacity: { gpu: 2 },
  });
  await running.startAgents();
  const released: RuntimeEvent[] = [];
  running.events$.subscribe((event) => {
    if (event.type === 'grant-released') released.push(event);
  });
  return { running, clock, released };
}

// Grants in the card's shape, as `coordinateResources` returns them.
const grant = (agent: string, amount: number, conditions: ResourceGrant['conditions'] = []) => ({
  agent,
  resourceType: 'gpu',
  grantedAmount: amount,
  grantDuration: 'indefinite' as const,
  conditions,
});
const request = (agent: string, priority: number) => ({
  agent,
  resourceType: 'gpu',
  amount: 1,
  priority,
  duration: 'indefinite' as const,
});

describe('the grants of a running space', () => {
  it('release_on_idle: a grant goes back once its holder has handled nothing for the time given', async () => {
    const { running, clock, released } = await team();
    running.grants.apply([grant('trainer', 2, [{ type: 'release_on_idle', afterMs: 1_000 }])]);
    expect(running.grants.available('gpu')).toBe(0);
    // Busy in the first second: it keeps the grant.
    clock.advance(500);
    await running.call('trainer', 'train');
    await running.system.whenIdle(); // the step settles after its reply
    clock.advance(500);
    expect(running.grants.held('trainer')).toHaveLength(1);
    // A whole second with no message: released.
    clock.advance(1_000);
    expect(running.grants.held('trainer')).toEqual([]);
    expect(running.grants.available('gpu')).toBe(2);
    expect(released).toEqual([
      {
        type: 'grant-released',
        at: 2_000,
        agent: 'trainer',
        resourceType: 'gpu',
        amount: 2,
        reason: 'idle',
      },
    ]);
    await running.stop();
  });

  it('share_with: the agent shared with holds the grant too, and it counts once', async () => {
    const { running } = await team();
    const [outcome] = running.grants.apply([
      grant('trainer', 2, [{ type: 'share_with', agent: 'coder' }]),
    ]);
    expect(outcome?.status).toBe('held');
    expect(running.grants.held('coder').map((g) => [g.agent, g.amount])).toEqual([['trainer', 2]]);
    expect(running.grants.held('reviewer')).toEqual([]);
    expect(running.grants.available('gpu')).toBe(0);
    await running.stop();
  });

  it('priority_preemption: a request of that priority takes the grant back; a lower one is refused', async () => {
    const { running, released } = await team();
    running.grants.apply(
      [grant('trainer', 2, [{ type: 'priority_preemption', priority: 3 }])],
      [request('trainer', 2)],
    );
    const [low] = running.grants.apply([grant('reviewer', 1)], [request('reviewer', 1)]);
    expect(low?.status).toBe('refused');
    expect(
      low?.status === 'refused' && VarplaneError.isInstance(low.error, 'BUDGET_EXHAUSTED'),
    ).toBe(true);
    expect(running.grants.held('trainer')).toHaveLength(1);

    const [high] = running.grants.apply([grant('coder', 1)], [request('coder', 5)]);
    expect(high?.status).toBe('held');
    expect(high?.status === 'held' && high.preempted.map((g) => g.agent)).toEqual(['trainer']);
    expect(running.grants.all().map((g) => g.agent)).toEqual(['coder']);
    expect(released).toMatchObject([{ agent: 'trainer', reason: 'preempted', by: 'coder' }]);
    await running.stop();
  });

  it('refuses malformed grants with typed errors naming the field', async () => {
    const { running } = await team();
    expect(() =>
      running.grants.apply([
        { ...grant('coder', 1), conditions: [{ type: 'share_with' }] },
      ] as never),
    ).toThrow(/grants\.0\.conditions\.0\.agent/);
    expect(() => running.grants.apply([grant('coder', -1)])).toThrow(/grantedAmount/);
    await running.stop();
  });
});
