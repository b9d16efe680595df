import {
  type AdaptationEvent,
  createManualClock,
  createMultiAgentSpace,
  registerAgent,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { Behaviour } from './behaviour';
import { type EchoState, echo, run } from './internal/space-fixture';
import { startSpace } from './running-space';

function team3() {
  let space = createMultiAgentSpace({ id: 'team', topology: 'ring' });
  for (const id of ['planner', 'coder', 'reviewer'])
    space = registerAgent(space, { id, behaviour: 'echo', args: { id } });
  return space;
}

const lastEvent = (space: { adaptationHistory: readonly AdaptationEvent[] }) =>
  space.adaptationHistory.at(-1) as AdaptationEvent;

describe('starting a space', () => {
  it('refuses a space that fails validation, naming every bad path', async () => {
    let space = createMultiAgentSpace({
      id: 'bad',
      scalingPolicies: [
        {
          agent: 'a',
          metric: 'latency',
          scaleUpThreshold: 2,
          scaleDownThreshold: 1,
          maxInstances: 2,
        },
      ],
    });
    space = registerAgent(space, { id: 'a', behaviour: 'ghost' });
    const error = await startSpace(space, { behaviours: { echo: echo() } }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'SPACE_INVALID' });
    expect((error as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual([
      'agents.a.behaviour',
      'scalingPolicies.0.metric',
    ]);
    await expect(startSpace(space, { behaviours: 'nope' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(startSpace({ id: 'x' } as never, { behaviours: {} })).rejects.toMatchObject({
      code: 'SPACE_INVALID',
    });
  });

  it('starts every agent in order, records the change, and reports it on the streams', async () => {
    const { team, events, journal, latest } = await run(team3());
    expect(events.map((e) => e.type)).toEqual([]);
    const space = await team.startAgents();
    expect(journal).toEqual(['init planner', 'init coder', 'init reviewer']);
    expect(Object.values(space.agents).map((a) => a.status)).toEqual([
      'active',
      'active',
      'active',
    ]);
    expect(latest()).toBe(space);
    const event = lastEvent(space);
    expect(event).toMatchObject({
      trigger: 'external_signal',
      operation: 'startAgents',
      outcome: 'success',
      performanceImpact: 0,
    });
    expect(event.changes.map((c) => [c.variableId, c.oldValue, c.newValue])).toEqual([
      ['agents.planner.status', 'inactive', 'active'],
      ['agents.coder.status', 'inactive', 'active'],
      ['agents.reviewer.status', 'inactive', 'active'],
    ]);
    expect(
      events.filter((e) => e.type === 'agent-started').map((e) => (e as { agent: string }).agent),
    ).toEqual(['planner', 'coder', 'reviewer']);
    expect(events.at(-1)).toMatchObject({ type: 'adaptation-recorded', event: { id: event.id } });
  });

  it('marks an agent whose init throws as failed, with its cause, and measures the impact', async () => {
    const broken: Behaviour<null, unknown> = {
      name: 'broken',
      init() {
        throw new TypeError('missing api key');
      },
      handle: (_m, s) => s,
    };
    let space = team3();
    space = registerAgent(space, { id: 'flaky', behaviour: 'broken' });
    const { team } = await run(space, { broken });
    const started = await team.startAgents();
    expect(started.agents.flaky?.status).toBe('failed');
    expect(lastEvent(started)).toMatchObject({
      outcome: 'partial_success',
      performanceImpact: -0.25,
      errors: [{ code: 'CHILD_START_FAILED', message: expect.stringContaining('missing api key') }],
    });
  });

  it('sends and calls by agent id, and answers strategy questions through its agent port', async () => {
    const { team } = await run(team3());
    await team.startAgents();
    expect(team.send('coder', 'hello')).toBe(true);
    const reply = await team.call<EchoState>('coder', 'status?');
    expect(reply).toMatchObject({
      id: 'coder',
      seen: ['hello'],
      config: { role: 'executor', args: { id: 'coder' } },
    });
    await expect(
      team.agents.ask('planner', { type: 'bid', item: 'gpu', round: 1 }, { timeout: 100 }),
    ).resolves.toMatchObject({
      id: 'planner',
    });
    expect(() => team.send('ghost', 1)).toThrow(
      expect.objectContaining({ code: 'AGENT_NOT_FOUND' }),
    );
    await expect(team.call('ghost', 1)).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
  });

  it('reports per-agent stats periodically on the injected clock', async () => {
    const clock = createManualClock();
    const team = await startSpace(team3(), {
      behaviours: { echo: echo() },
      clock,
      statsIntervalMs: 1_000,
    });
    const stats: unknown[] = [];
    team.events$.subscribe((e) => {
      if (e.type === 'stats-reported') stats.push(e.stats);
    });
    await team.startAgents();
    team.send('coder', 'work');
    await team.system.whenIdle();
    clock.advance(999);
    expect(stats).toEqual([]);
    clock.advance(1);
    expect(stats).toHaveLength(1);
    expect(stats[0]).toContainEqual({
      agent: 'coder',
      mailboxDepth: 0,
      messagesHandled: 1,
      errors: 0,
      restarts: 0,
      tokens: 0,
      cost: 0,
      sent: {},
    });
    clock.advance(1_000);
    expect(stats).toHaveLength(2);
  });

  it('counts what each agent sends, per destination, and what it spends', async () => {
    let fannedTo: string[] = [];
    const relay: Behaviour<null, unknown> = {
      name: 'relay',
      async handle(message, state, ctx) {
        if (message === 'go') {
          ctx.send('coder', 'one');
          ctx.send({ id: 'coder', node: ctx.self.node }, 'two');
          ctx.send('nobody', 'lost');
          await ctx.call('reviewer', 'question');
          fannedTo = ctx.neighbours().map((ref) => ref.id);
          ctx.broadcast('all');
          ctx.spend({ tokens: 120, cost: 0.25 });
        }
        return state;
      },
    };
    let space = createMultiAgentSpace({ id: 'team', topology: 'mesh' });
    space = registerAgent(space, { id: 'planner', behaviour: 'relay' });
    for (const id of ['coder', 'reviewer']) space = registerAgent(space, { id, behaviour: 'echo' });
    const { team } = await run(space, { relay });
    await team.startAgents();
    team.send('planner', 'go');
    await team.system.whenIdle();

    expect(fannedTo.sort()).toEqual(['coder', 'reviewer']);
    const byAgent = Object.fromEntries(team.stats().map((s) => [s.agent, s]));
    // Queued sends, calls and broadcasts count; the send to an unknown id does not.
    expect(byAgent.planner).toMatchObject({
      messagesHandled: 1,
      tokens: 120,
      cost: 0.25,
      sent: { coder: 3, reviewer: 2 },
    });
    expect(byAgent.coder).toMatchObject({ tokens: 0, cost: 0, sent: {} });
    // The space's own supervisor neither counts sends nor holds an account.
    const supervisor = team.stats().find((s) => s.agent.startsWith('space:'));
    expect(supervisor).toBeDefined();
    expect(supervisor).not.toHaveProperty('sent');
    expect(supervisor).not.toHaveProperty('tokens');
    // A report is a copy: later sends do not change it.
    const before = byAgent.planner?.sent;
    team.send('planner', 'go');
    await team.system.whenIdle();
    expect(before).toEqual({ coder: 3, reviewer: 2 });
    expect(team.stats().find((s) => s.agent === 'planner')?.sent).toEqual({
      coder: 6,
      reviewer: 4,
    });
    await team.stop();
  });
});

describe('stopping a space', () => {
  it('stops agents in reverse order, records it, and refuses later operations', async () => {
    const { team, journal, events } = await run(team3());
    await team.startAgents();
    journal.length = 0;
    const final = await team.stop();
    expect(journal).toEqual(['terminate reviewer', 'terminate coder', 'terminate planner']);
    expect(Object.values(final.agents).map((a) => a.status)).toEqual([
      'inactive',
      'inactive',
      'inactive',
    ]);
    expect(lastEvent(final)).toMatchObject({ operation: 'stop', outcome: 'success' });
    expect(events.some((e) => e.type === 'space-stopped')).toBe(true);
    await expect(team.coordinateAgents()).rejects.toMatchObject({ code: 'SPACE_NOT_RUNNING' });
    await expect(team.call('coder', 1)).rejects.toMatchObject({ code: 'SPACE_NOT_RUNNING' });
    expect(await team.stop()).toBe(final);
  });
});
