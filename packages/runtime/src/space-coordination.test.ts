import {
  type AdaptationEvent,
  addOrchestrationVariable,
  agentSelection,
  communicationTopology,
  createMultiAgentSpace,
  directive,
  emptyMetrics,
  type MultiAgentSpace,
  performanceThreshold,
  registerAgent,
  resourceAllocation,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { Behaviour } from './behaviour';
import { run } from './internal/space-fixture';
import type { DirectiveMessage, SpaceAgentArgs } from './space-agent';

const lastEvent = (space: MultiAgentSpace) => space.adaptationHistory.at(-1) as AdaptationEvent;

function teamOf(ids: readonly string[], behaviour = 'echo'): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'team' });
  for (const id of ids) space = registerAgent(space, { id, behaviour });
  return space;
}

describe('coordinateAgents', () => {
  it('evaluates every variable and applies its directives by priority', async () => {
    let space = teamOf(['python', 'rust', 'go']);
    space = addOrchestrationVariable(
      space,
      agentSelection('coder', { agents: ['python', 'rust', 'go'], default: ['rust'] }),
    );
    const { team, events } = await run(space);
    // Started by hand, past the selection: coordinating brings the team back to it.
    await team.applyDirectives(['python', 'rust', 'go'].map((id) => directive(id, 'start')));
    const applied: string[] = [];
    team.events$.subscribe((e) => {
      if (e.type === 'directive-applied')
        applied.push(`${e.directive.action} ${e.directive.agent}`);
    });
    const next = await team.coordinateAgents();
    expect(applied).toEqual(['stop python', 'stop go']);
    expect(
      Object.fromEntries(Object.entries(next.agents).map(([id, a]) => [id, a.status])),
    ).toEqual({
      python: 'inactive',
      rust: 'active',
      go: 'inactive',
    });
    expect(team.system.info('python')).toBeUndefined();
    expect(lastEvent(next)).toMatchObject({
      operation: 'coordinateAgents',
      outcome: 'success',
      changes: [
        {
          variableId: 'coder',
          oldValue: null,
          newValue: ['rust'],
          affectedAgents: ['python', 'go'],
        },
        { variableId: 'agents.python.status', oldValue: 'active', newValue: 'inactive' },
        { variableId: 'agents.go.status', oldValue: 'active', newValue: 'inactive' },
      ],
    });
    expect(events.filter((e) => e.type === 'directive-failed')).toEqual([]);
  });

  it('re-coordinates one variable when its value is set, starting and stopping agents', async () => {
    let space = teamOf(['a', 'b', 'c']);
    space = addOrchestrationVariable(
      space,
      agentSelection('pick', { agents: ['a', 'b', 'c'], default: ['a'] }),
    );
    const { team } = await run(space);
    await team.startAgents();
    await team.coordinateAgents();
    const next = await team.setVariable('pick', ['b', 'c']);
    expect(next.orchestrationVariables.pick?.value).toEqual(['b', 'c']);
    expect(team.instances('a')).toEqual([]);
    expect(team.instances('b')).toEqual(['b']);
    expect(lastEvent(next).changes[0]).toEqual({
      variableId: 'pick',
      oldValue: ['a'],
      newValue: ['b', 'c'],
      affectedAgents: ['a', 'b', 'c'],
    });
    await expect(team.setVariable('pick', ['nobody'])).rejects.toMatchObject({
      code: 'ORCHESTRATION_INVALID_VALUE',
    });
  });

  it('hands adjustParameters directives to the agent and sets its spending limit', async () => {
    const told: unknown[] = [];
    const listener: Behaviour<null, unknown, SpaceAgentArgs> = {
      name: 'listener',
      init: () => null,
      handle(message, state) {
        told.push((message as DirectiveMessage).directive?.parameters);
        return state;
      },
    };
    let space = teamOf(['planner', 'coder'], 'listener');
    space = addOrchestrationVariable(
      space,
      resourceAllocation('tokens', {
        agents: ['planner', 'coder'],
        resource: 'tokens',
        total: 1_000,
        plans: { heavy: { planner: 1, coder: 3 } },
        default: 'heavy',
      }),
    );
    const { team } = await run(space, { listener });
    await team.startAgents();
    await team.coordinateAgents();
    await team.system.whenIdle();
    expect(told).toEqual([
      { resource: 'tokens', share: 0.25, amount: 250 },
      { resource: 'tokens', share: 0.75, amount: 750 },
    ]);
    expect(team.system.resources.holding('coder')?.tokenLimit).toBe(750);
  });
});

describe('directives', () => {
  it('reports malformed, unknown and migrate directives as typed failures and applies the rest', async () => {
    const { team, events } = await run(teamOf(['a', 'b']));
    const next = await team.applyDirectives([
      directive('a', 'start', {}, { priority: 10 }),
      { agent: 'b', action: 'teleport', parameters: {}, priority: 1, timeout: 10 },
      directive('ghost', 'start'),
      directive('b', 'migrate', { node: 'node-2' }, { priority: 90 }),
      directive('b', 'start', {}, { priority: 5 }),
    ]);
    const event = lastEvent(next);
    expect(event.outcome).toBe('partial_success');
    expect(event.errors.map((e) => e.code)).toEqual([
      'DIRECTIVE_INVALID',
      'MIGRATE_NEEDS_CLUSTER',
      'AGENT_NOT_FOUND',
    ]);
    expect(event.errors[1]?.message).toMatch(/needs @varplane\/cluster/);
    expect(
      events
        .filter((e) => e.type === 'directive-applied')
        .map((e) => (e as { directive: { agent: string } }).directive.agent),
    ).toEqual(['a', 'b']);
    expect(next.agents.a?.status).toBe('active');
    expect(next.agents.b?.status).toBe('active');
  });

  it('changes roles and scales on directives', async () => {
    const { team } = await run(teamOf(['a']));
    await team.startAgents();
    const next = await team.applyDirectives([
      directive('a', 'changeRole', { role: 'evaluator' }),
      directive('a', 'scaleUp', { by: 2 }),
    ]);
    expect(next.agents.a?.role).toBe('evaluator');
    expect(team.instances('a')).toEqual(['a', 'a:2', 'a:3']);
    await team.applyDirectives([directive('a', 'scaleDown')]);
    expect(team.instances('a')).toEqual(['a', 'a:2']);
  });
});

describe('live topology', () => {
  interface Hop {
    token: number;
    hops: number;
  }
  it('re-wires running agents when the topology variable changes, losing no message in flight', async () => {
    const delivered: number[] = [];
    const relay: Behaviour<string[], Hop | DirectiveMessage, SpaceAgentArgs> = {
      name: 'relay',
      init: () => [],
      handle(message, seen, ctx) {
        if ('type' in message) return seen;
        if (message.hops === 0) delivered.push(message.token);
        else {
          const next = ctx.neighbours();
          ctx.send(next[message.token % next.length] as (typeof next)[number], {
            token: message.token,
            hops: message.hops - 1,
          });
        }
        return [...seen, ctx.self.id];
      },
    };
    const ids = ['n0', 'n1', 'n2', 'n3', 'n4'];
    let space = teamOf(ids, 'relay');
    space = addOrchestrationVariable(
      space,
      communicationTopology('net', {
        agents: ids,
        patterns: ['ring', 'star', 'mesh'],
        default: 'ring',
      }),
    );
    const { team, events } = await run(space, { relay });
    await team.startAgents();
    await team.coordinateAgents();
    expect(team.space$.value.coordinationGraph.topology).toBe('ring');
    for (let token = 0; token < 50; token++)
      team.send(ids[token % ids.length] as string, { token, hops: 20 });
    // Re-wire while the tokens are still hopping.
    const next = await team.setVariable('net', 'star');
    await team.system.whenIdle();
    expect(delivered.slice().sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(next.coordinationGraph.topology).toBe('star');
    expect(
      events
        .filter((e) => e.type === 'topology-changed')
        .map((e) => (e as { topology: string }).topology),
    ).toEqual(['ring', 'star']);
    const probe: Behaviour<null, unknown> = {
      name: 'probe',
      handle(_m, s, ctx) {
        ctx.reply(ctx.neighbours().map((r) => r.id));
        return s;
      },
    };
    await team.system.hotSwap('n2', probe);
    expect(await team.call('n2', 'who?')).toEqual(['n0']);
  });
});

describe('adaptSystem', () => {
  it('records metrics, adapts each variable and re-coordinates those that moved', async () => {
    let space = teamOf(['a', 'b', 'c']);
    space = addOrchestrationVariable(
      space,
      agentSelection('pick', { agents: ['a', 'b', 'c'], default: ['a'] }),
    );
    space = addOrchestrationVariable(
      space,
      performanceThreshold('bar', { agents: ['a', 'b', 'c'], default: 0.5 }),
    );
    const { team } = await run(space);
    await team.startAgents();
    await team.coordinateAgents();
    const metrics = {
      ...emptyMetrics(),
      aggregatePerformance: 0.9,
      individualPerformance: { a: 0.2, b: 0.9, c: 0.4 },
    };
    const next = await team.adaptSystem(metrics);
    expect(next.performanceMetrics.aggregatePerformance).toBe(0.9);
    expect(next.orchestrationVariables.pick?.value).toEqual(['b']);
    expect(next.orchestrationVariables.bar?.value).toBeCloseTo(0.54, 5);
    expect(team.instances('b')).toEqual(['b']);
    expect(team.instances('a')).toEqual([]);
    const event = lastEvent(next);
    expect(event).toMatchObject({
      operation: 'adaptSystem',
      trigger: 'optimization_opportunity',
      outcome: 'success',
    });
    expect(event.changes.map((c) => c.variableId)).toEqual(
      expect.arrayContaining(['pick', 'bar', 'agents.b.status', 'agents.a.status']),
    );
    await expect(team.adaptSystem({ ...metrics, aggregatePerformance: 7 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      issues: [expect.objectContaining({ path: 'metrics.aggregatePerformance' })],
    });
  });
});
