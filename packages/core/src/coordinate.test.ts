import { describe, expect, it } from 'vitest';
import { createManualClock } from './clock';
import { adapt, coordinate } from './coordinate';
import { directive } from './directive';
import { emptyMetrics } from './metrics';
import {
  adaptationRate,
  agentSelection,
  communicationTopology,
  custom,
  performanceThreshold,
  resourceAllocation,
} from './orchestration-variable';
import type { CoordinationStrategy } from './strategies';
import { createStrategyRegistry } from './strategy-registry';
import { float } from './variables/float';

const agents = ['planner', 'coder', 'reviewer'];
const team = (statuses: Record<string, string>) => ({
  agents: Object.fromEntries(
    agents.map((id) => [id, { status: statuses[id] ?? 'inactive', role: 'executor' }]),
  ),
});

describe('coordinate', () => {
  it('starts the selected agents and stops the rest', async () => {
    const v = agentSelection('coder_agent', { agents, constraints: { maxConcurrent: 2 } });
    const out = await coordinate(
      v,
      ['coder', 'reviewer'],
      team({ planner: 'active', coder: 'active' }),
    );
    expect(out.map((d) => [d.agent, d.action])).toEqual([
      ['planner', 'stop'],
      ['reviewer', 'start'],
    ]);
  });

  it('sends every agent its neighbours under the chosen topology', async () => {
    const v = communicationTopology('net', { agents, hub: 'planner' });
    const ring = await coordinate(v, 'ring', team({}));
    expect(ring.map((d) => [d.agent, d.parameters.neighbours])).toEqual([
      ['planner', ['coder']],
      ['coder', ['reviewer']],
      ['reviewer', ['planner']],
    ]);
    const star = await coordinate(v, 'star', team({}));
    expect(star.map((d) => d.parameters.neighbours)).toEqual([
      ['coder', 'reviewer'],
      ['planner'],
      ['planner'],
    ]);
    expect(star.every((d) => d.action === 'updateCommunication' && d.priority === 90)).toBe(true);
  });

  it('hands out a plan of a resource in proportion to its shares', async () => {
    const v = resourceAllocation('tokens', {
      agents,
      resource: 'tokens',
      total: 1000,
      plans: { heavy: { coder: 3, planner: 1 } },
    });
    const out = await coordinate(v, 'heavy', team({}));
    expect(out.map((d) => [d.agent, d.parameters.amount])).toEqual([
      ['planner', 250],
      ['coder', 750],
      ['reviewer', 0],
    ]);
  });

  it('reconfigures agents below a performance threshold', async () => {
    const v = performanceThreshold('bar', { agents });
    const metrics = { ...emptyMetrics(), individualPerformance: { planner: 0.9, coder: 0.4 } };
    const out = await coordinate(v, 0.5, { ...team({}), metrics });
    expect(out).toEqual([
      directive(
        'coder',
        'reconfigure',
        { reason: 'below_threshold', performance: 0.4, threshold: 0.5 },
        { priority: 70 },
      ),
    ]);
  });

  it('rejects a value outside the domain before coordinating', async () => {
    const v = communicationTopology('net', { agents, patterns: ['ring', 'star'] });
    await expect(coordinate(v, 'mesh', team({}))).rejects.toMatchObject({
      code: 'ORCHESTRATION_INVALID_VALUE',
      message: expect.stringContaining('"mesh"'),
    });
    const pick = agentSelection('pick', { agents });
    await expect(coordinate(pick, [], team({}))).rejects.toMatchObject({
      code: 'ORCHESTRATION_INVALID_VALUE',
    });
    await expect(coordinate(pick, ['nobody'], team({}))).rejects.toMatchObject({
      code: 'ORCHESTRATION_INVALID_VALUE',
    });
  });

  it('runs a coordination function or a registered strategy', async () => {
    const knob = float('knob', { range: [0, 1], default: 0.5 });
    const fn = custom('knob', {
      agents,
      domain: knob,
      coordination: (_v, value) => [directive('coder', 'adjustParameters', { knob: value })],
    });
    expect((await coordinate(fn, 0.25, team({})))[0]?.parameters).toEqual({ knob: 0.25 });

    const strategy: CoordinationStrategy = {
      kind: 'coordination',
      name: 'all_reconfigure',
      specificationVersion: 'v1',
      coordinate: (v, value) => v.agents.map((a) => directive(a, 'reconfigure', { value })),
    };
    const named = custom('knob', { agents, domain: knob, coordination: 'all_reconfigure' });
    const registry = createStrategyRegistry([strategy]);
    expect(await coordinate(named, 0.75, team({}), { registry })).toHaveLength(3);
    await expect(coordinate(named, 0.75, team({}))).rejects.toMatchObject({
      code: 'COORDINATION_FAILED',
      message: expect.stringContaining('no registry'),
    });
    await expect(
      coordinate(
        custom('knob', { agents, domain: knob, coordination: 'missing' }),
        0.75,
        team({}),
        { registry },
      ),
    ).rejects.toMatchObject({
      code: 'COORDINATION_FAILED',
      message: expect.stringContaining('registered: all_reconfigure'),
    });
  });

  it('contains a coordination that throws, hangs or returns garbage', async () => {
    const knob = float('knob', { range: [0, 1], default: 0.5 });
    const throws = custom('k', {
      agents,
      domain: knob,
      coordination: () => {
        throw new Error('boom');
      },
    });
    await expect(coordinate(throws, 0.5, team({}))).rejects.toMatchObject({
      code: 'COORDINATION_FAILED',
      message: expect.stringContaining('boom'),
      variableId: 'k',
    });

    const clock = createManualClock();
    const hangs = custom('k', { agents, domain: knob, coordination: () => new Promise(() => {}) });
    const pending = coordinate(hangs, 0.5, team({}), { clock, timeoutMs: 100 });
    const settled = expect(pending).rejects.toMatchObject({
      code: 'COORDINATION_FAILED',
      message: expect.stringContaining('timed out after 100 ms'),
    });
    await Promise.resolve();
    clock.advance(100);
    await settled;

    const garbage = custom('k', {
      agents,
      domain: knob,
      coordination: () => [{ agent: 'coder', action: 'dance' }] as never,
    });
    await expect(coordinate(garbage, 0.5, team({}))).rejects.toMatchObject({
      code: 'COORDINATION_INVALID_RESULT',
      message: expect.stringContaining('action'),
    });
    const stranger = custom('k', {
      agents,
      domain: knob,
      coordination: () => [directive('ghost', 'stop')],
    });
    await expect(coordinate(stranger, 0.5, team({}))).rejects.toMatchObject({
      code: 'COORDINATION_INVALID_RESULT',
      message: expect.stringContaining('"ghost"'),
    });
  });
});

describe('adapt', () => {
  const metrics = (over: Partial<ReturnType<typeof emptyMetrics>>) => ({
    ...emptyMetrics(),
    ...over,
  });

  it('keeps the best performers selected', async () => {
    const v = agentSelection('pick', { agents, default: ['planner'] });
    const adapted = await adapt(
      v,
      metrics({ individualPerformance: { planner: 0.2, coder: 0.9, reviewer: 0.5 } }),
    );
    expect(adapted.value).toEqual(['coder']);
    expect(v.value).toEqual(['planner']);
  });

  it('moves rates and thresholds within their ranges', async () => {
    const rate = adaptationRate('rate', { agents, default: 0.8 });
    expect((await adapt(rate, metrics({ adaptationSuccessRate: 0.9 }))).value).toBe(1);
    expect((await adapt(rate, metrics({ adaptationSuccessRate: 0.2 }))).value).toBe(0.4);
    const bar = performanceThreshold('bar', { agents, default: 0.5 });
    expect((await adapt(bar, metrics({ aggregatePerformance: 1 }))).value).toBeCloseTo(0.55, 10);
  });

  it('rejects malformed metrics and garbage results with typed errors', async () => {
    const rate = adaptationRate('rate', { agents });
    await expect(adapt(rate, { aggregatePerformance: 2 } as never)).rejects.toMatchObject({
      code: 'ADAPTATION_FAILED',
      message: expect.stringContaining('metrics.aggregatePerformance'),
    });
    const wrongValue = adaptationRate('rate', { agents, adaptation: (v) => ({ ...v, value: 7 }) });
    await expect(adapt(wrongValue, emptyMetrics())).rejects.toMatchObject({
      code: 'ADAPTATION_INVALID_RESULT',
    });
    const wrongId = adaptationRate('rate', { agents, adaptation: (v) => ({ ...v, id: 'other' }) });
    await expect(adapt(wrongId, emptyMetrics())).rejects.toMatchObject({
      code: 'ADAPTATION_INVALID_RESULT',
      message: expect.stringContaining('"other"'),
    });
    const nothing = adaptationRate('rate', { agents, adaptation: () => undefined as never });
    await expect(adapt(nothing, emptyMetrics())).rejects.toMatchObject({
      code: 'ADAPTATION_INVALID_RESULT',
    });
  });
});
