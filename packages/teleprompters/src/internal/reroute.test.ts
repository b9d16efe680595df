import {
  addOrchestrationVariable,
  agentSelection,
  createMultiAgentSpace,
  createVariableSpace,
  float,
  registerAgent,
  type TraceRecord,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createTeamSpace } from '../team-space';
import { carryAgentSettings } from './agent-settings';
import type { RunRecord } from './engine';
import { rerouteTaskType } from './reroute';
import { createTypeCredit } from './type-credit';

function team() {
  let space = createMultiAgentSpace({ id: 'crew', topology: 'custom' });
  for (const id of ['alpha', 'beta', 'gamma']) {
    space = registerAgent(
      space,
      { id, behaviour: 'worker' },
      {
        localVariables: createVariableSpace([
          float('temperature', { range: [0, 1], default: 0.5 }),
        ]),
      },
    );
  }
  space = addOrchestrationVariable(
    space,
    agentSelection('active', {
      agents: ['alpha', 'beta', 'gamma'],
      default: ['alpha'],
      constraints: { maxConcurrent: 2 },
    }),
  );
  return createTeamSpace(space);
}

let seq = 0;
/** A run whose last step was `agentId`'s, scoring `score`. */
function run(agentId: string, score: number, before: readonly string[] = []): RunRecord {
  const steps = [...before, agentId];
  return {
    seq: seq++,
    key: '',
    candidate: 0,
    exampleIndex: 0,
    seed: 0,
    score,
    failed: false,
    error: null,
    output: null,
    traces: steps.map(
      (id, step): TraceRecord => ({
        agentId: id,
        runId: 'r',
        step,
        input: {},
        output: {},
        configuration: {},
        startedAt: 0,
        endedAt: 0,
      }),
    ),
    usage: { tokens: 0, cost: 0 },
    messages: 0,
    memoryBytes: 0,
    durationMs: 0,
  };
}

describe('createTypeCredit', () => {
  it("credits a run to the agent whose step came last, shrunk toward the type's mean", () => {
    const credit = createTypeCredit();
    // beta routed every math task to alpha; alpha answered 3 of 4.
    for (const score of [1, 1, 1, 0]) credit.add(run('alpha', score, ['beta']), 'math');
    credit.add(run('beta', 0), 'math');
    credit.add(run('beta', 1), 'prose');
    credit.add(run('gamma', 1), undefined);
    // math: 3 of 5 runs passed; alpha 3 of 4, shrunk with 4 pseudo-runs at 0.6.
    expect(credit.score('alpha', 'math')).toBeCloseTo((3 + 4 * 0.6) / 8, 10);
    expect(credit.score('beta', 'math')).toBeCloseTo((0 + 4 * 0.6) / 5, 10);
    expect(credit.score('beta', 'prose')).toBeCloseTo(1, 10);
    expect(credit.score('alpha', 'prose')).toBeUndefined();
    expect(credit.score('gamma', 'math')).toBeUndefined();
    expect(credit.best('math', ['alpha', 'beta', 'gamma'])).toBe('alpha');
    expect(credit.best('math', ['gamma'])).toBeUndefined();
  });
});

describe('rerouteTaskType', () => {
  const mix = new Map([
    ['math', 0.5],
    ['prose', 0.5],
  ]);

  it("brings in the type's best agent with its best settings, replacing the weakest when full", () => {
    const crew = team();
    const credit = createTypeCredit();
    for (let i = 0; i < 6; i++) credit.add(run('gamma', 1), 'math');
    for (let i = 0; i < 6; i++) credit.add(run('alpha', i % 2), 'math');
    for (let i = 0; i < 6; i++) credit.add(run('beta', 1), 'prose');
    for (let i = 0; i < 6; i++) credit.add(run('alpha', 0), 'prose');
    const given = crew.variables.validate({ 'team.active': ['alpha', 'beta'] });
    const donor = crew.variables.validate({
      'team.active': ['gamma'],
      'gamma.temperature': 0.9,
    });
    const next = rerouteTaskType(crew, given, 'math', credit, mix, (agentId) =>
      agentId === 'gamma' ? donor : undefined,
    );
    // alpha is worth least over the mix, so gamma takes its place, with its temperature.
    expect(next?.['team.active']).toEqual(['gamma', 'beta']);
    expect(next?.['gamma.temperature']).toBe(0.9);
    expect(next?.['alpha.temperature']).toBe(given['alpha.temperature']);
  });

  it('adds the agent when there is room, and does nothing when it is already selected', () => {
    const crew = team();
    const credit = createTypeCredit();
    credit.add(run('beta', 1), 'math');
    credit.add(run('alpha', 0), 'math');
    const alone = crew.variables.validate({ 'team.active': ['alpha'] });
    const next = rerouteTaskType(crew, alone, 'math', credit, mix, () => undefined);
    expect(next?.['team.active']).toEqual(['alpha', 'beta']);
    const both = crew.variables.validate({ 'team.active': ['alpha', 'beta'] });
    expect(rerouteTaskType(crew, both, 'math', credit, mix, () => undefined)).toBeUndefined();
    // A type nobody has answered: nothing to go on.
    expect(rerouteTaskType(crew, alone, 'poetry', credit, mix, () => undefined)).toBeUndefined();
  });
});

describe('carryAgentSettings', () => {
  it('gives only the agents a move brought in the settings of their donor', () => {
    const crew = team();
    const from = crew.variables.validate({ 'team.active': ['alpha'], 'alpha.temperature': 0.2 });
    const moved = crew.variables.validate({
      'team.active': ['alpha', 'beta'],
      'alpha.temperature': 0.2,
      'beta.temperature': 0.1,
    });
    const donor = crew.variables.validate({
      'team.active': ['alpha', 'beta'],
      'alpha.temperature': 0.7,
      'beta.temperature': 0.8,
    });
    const next = carryAgentSettings(crew, from, moved, () => donor);
    expect(next['beta.temperature']).toBe(0.8);
    expect(next['alpha.temperature']).toBe(0.2);
    expect(carryAgentSettings(crew, from, moved, () => undefined)).toBe(moved);
  });
});
