import {
  type AdaptationEvent,
  createMultiAgentSpace,
  type MultiAgentSpace,
  registerAgent,
  type ScalingPolicyInput,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { Behaviour } from './behaviour';
import { run } from './internal/space-fixture';
import type { SpaceAgentArgs } from './space-agent';

const lastEvent = (space: MultiAgentSpace) => space.adaptationHistory.at(-1) as AdaptationEvent;

function gated() {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  const behaviour: Behaviour<string, unknown, SpaceAgentArgs> = {
    name: 'gated',
    init: (args) => args.agentId,
    async handle(_message, id) {
      await gate;
      return id;
    },
  };
  return { behaviour, open: () => open() };
}

function scaledTeam(
  policy: Partial<ScalingPolicyInput> = {},
  pool: Parameters<typeof createMultiAgentSpace>[0]['resourcePool'] = {},
) {
  let space = createMultiAgentSpace({
    id: 'team',
    resourcePool: pool,
    scalingPolicies: [
      {
        agent: 'worker',
        metric: 'mailboxDepth',
        scaleUpThreshold: 5,
        scaleDownThreshold: 1,
        maxInstances: 3,
        cooldownMs: 1_000,
        router: 'round_robin',
        ...policy,
      },
    ],
  });
  space = registerAgent(space, { id: 'worker', behaviour: 'gated' });
  return space;
}

describe('autoScale', () => {
  it('adds instances under load, respects cooldown and the maximum, and removes them when idle', async () => {
    const gate = gated();
    const { team, clock, events } = await run(scaledTeam(), { gated: gate.behaviour });
    await team.startAgents();
    for (let i = 0; i < 20; i++) team.send('worker', i);
    await new Promise((resolve) => setImmediate(resolve));

    let space = await team.autoScale();
    expect(team.instances('worker')).toEqual(['worker', 'worker:2']);
    expect(lastEvent(space)).toMatchObject({
      trigger: 'load_increase',
      changes: [{ variableId: 'agents.worker.instances', oldValue: 1, newValue: 2 }],
    });
    expect(events.filter((e) => e.type === 'agent-scaled')).toEqual([
      { type: 'agent-scaled', at: 0, agent: 'worker', instances: 2, previous: 1 },
    ]);

    space = await team.autoScale();
    expect(team.instances('worker')).toHaveLength(2);
    clock.advance(1_000);
    await team.autoScale();
    expect(team.instances('worker')).toEqual(['worker', 'worker:2', 'worker:3']);
    clock.advance(1_000);
    await team.autoScale();
    expect(team.instances('worker')).toHaveLength(3);

    // New mail is spread over the instances.
    for (let i = 0; i < 9; i++) team.send('worker', i);
    const depths = team
      .stats()
      .filter((s) => s.agent.startsWith('worker:'))
      .map((s) => s.mailboxDepth);
    expect(depths.every((d) => d >= 2)).toBe(true);

    gate.open();
    await team.system.whenIdle();
    clock.advance(1_000);
    space = await team.autoScale();
    expect(team.instances('worker')).toEqual(['worker', 'worker:2']);
    expect(lastEvent(space).trigger).toBe('resource_constraint');
  });

  it('scales only as far as the pool allows, keeping the instances it could start', async () => {
    const gate = gated();
    const { team } = await run(scaledTeam({ step: 2 }, { concurrency: 2 }), {
      gated: gate.behaviour,
    });
    await team.startAgents();
    for (let i = 0; i < 20; i++) team.send('worker', i);
    const space = await team.autoScale();
    expect(team.instances('worker')).toEqual(['worker', 'worker:2']);
    expect(lastEvent(space)).toMatchObject({
      outcome: 'failure',
      errors: [expect.objectContaining({ code: 'CHILD_START_FAILED' })],
    });
    expect(space.resourcePool.concurrency).toBe(0);
    gate.open();
  });

  it('rolls a scaling decision back', async () => {
    const gate = gated();
    const { team } = await run(scaledTeam(), { gated: gate.behaviour });
    await team.startAgents();
    for (let i = 0; i < 20; i++) team.send('worker', i);
    const scaled = await team.autoScale();
    expect(team.instances('worker')).toHaveLength(2);
    await team.rollback(lastEvent(scaled).id);
    expect(team.instances('worker')).toEqual(['worker']);
    gate.open();
  });
});
