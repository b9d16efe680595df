import {
  addOrchestrationVariable,
  agentSelection,
  createMultiAgentSpace,
  createVariableSpace,
  demos,
  float,
  registerAgent,
  VarplaneError,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import {
  exactMatch,
  syntheticExamples,
  syntheticRunner,
  syntheticTeam,
} from '../test/synthetic-team';
import { applyTeamConfig } from './apply-team-config';
import { bootstrapFewShot } from './bootstrap-few-shot';

const trainset = syntheticExamples(30);

describe('bootstrapFewShot', () => {
  it("fills each agent's demos with its own steps from runs that met the metric", async () => {
    const space = applyTeamConfig(syntheticTeam(), {
      'team.active': ['mathematician', 'writer'],
      'mathematician.temperature': 0.2,
      'writer.temperature': 0.8,
    });
    const result = await bootstrapFewShot(space, trainset, {
      runner: syntheticRunner(),
      metric: exactMatch,
      maxBootstrappedDemos: 2,
      maxLabeledDemos: 1,
      seed: 3,
    }).result;
    const values = result.config.values;
    const mathDemos = values['mathematician.demos'] as { inputs: unknown; labels: unknown }[];
    const writerDemos = values['writer.demos'] as { inputs: unknown; labels: unknown }[];
    // The mathematician reads the team's input: 2 bootstrapped demos and 1 labelled one.
    expect(mathDemos).toHaveLength(3);
    expect(mathDemos[0]).toEqual({
      inputs: { question: expect.any(String) },
      labels: { answer: expect.any(String), taskType: expect.any(String) },
    });
    expect(mathDemos[2]).toEqual({
      inputs: { question: expect.any(String) },
      labels: { answer: expect.any(String) },
    });
    // The writer works on the mathematician's draft, so it only gets bootstrapped demos.
    expect(writerDemos).toHaveLength(2);
    expect(writerDemos[0]).toMatchObject({ inputs: { draft: expect.any(String) } });
    // The coder never ran, so it has none.
    expect(values['coder.demos']).toEqual([]);
    expect(result.config.scoredOn).toBe('none');
    expect(result.usage.metricCalls).toBeLessThanOrEqual(30);
  });

  it('scores the team before and after on a valset', async () => {
    const result = await bootstrapFewShot(syntheticTeam(), trainset, {
      runner: syntheticRunner(),
      metric: exactMatch,
      valset: syntheticExamples(30, 100),
      seed: 1,
    }).result;
    expect(result.baselineScore).not.toBeNull();
    expect(result.score).not.toBeNull();
    expect(result.config.scoredOn).toBe('validation');
    // Relevant writing demos lift the writer's third of the examples.
    expect(result.score as number).toBeGreaterThan(result.baselineScore as number);
  });

  it('keeps a run only when it meets the threshold', async () => {
    const result = await bootstrapFewShot(syntheticTeam(), trainset, {
      runner: syntheticRunner(),
      metric: exactMatch,
      metricThreshold: 2,
      maxLabeledDemos: 0,
    }).result;
    expect(result.config.values['writer.demos']).toEqual([]);
    expect(result.usage.metricCalls).toBe(30);
  });

  it('gives the same result at any concurrency', async () => {
    // Two agents, both active, so every demos list fills and bootstrapping stops early.
    let space = createMultiAgentSpace({ id: 'pair' });
    for (const [agentId, temperature] of [
      ['mathematician', 0.2],
      ['writer', 0.8],
    ] as const) {
      const local = createVariableSpace([
        float('temperature', { range: [0, 1], default: temperature }),
        demos('demos', { maxCount: 3 }),
      ]);
      space = registerAgent(
        space,
        { id: agentId, behaviour: 'specialist' },
        { localVariables: local },
      );
    }
    space = addOrchestrationVariable(
      space,
      agentSelection('active', {
        agents: ['mathematician', 'writer'],
        default: ['mathematician', 'writer'],
      }),
    );
    const outcome = async (concurrency: number) => {
      const result = await bootstrapFewShot(space, trainset, {
        runner: syntheticRunner(),
        metric: exactMatch,
        maxBootstrappedDemos: 2,
        maxLabeledDemos: 2,
        valset: syntheticExamples(12, 100),
        concurrency,
        seed: 5,
      }).result;
      return { values: result.config.values, score: result.score, calls: result.usage.metricCalls };
    };
    const one = await outcome(1);
    expect(one.values['mathematician.demos']).toHaveLength(3);
    for (const concurrency of [3, 8, 32]) expect(await outcome(concurrency)).toEqual(one);
  });

  it('needs an agent with a demos variable', () => {
    let space = createMultiAgentSpace({ id: 'no_demos' });
    space = registerAgent(
      space,
      { id: 'solo', behaviour: 'solo' },
      {
        localVariables: createVariableSpace([
          float('temperature', { range: [0, 1], default: 0.5 }),
        ]),
      },
    );
    try {
      bootstrapFewShot(space, trainset, { runner: syntheticRunner(), metric: exactMatch });
      expect.unreachable();
    } catch (error) {
      expect(VarplaneError.isInstance(error, 'TEAM_SPACE_NOT_SEARCHABLE')).toBe(true);
    }
  });
});
