import { adaptationRate, agentSelection, createManualClock } from '@varplane/core';
import { type RunningSpace, startSpace } from '@varplane/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedLanguageModel } from '../test/scripted-language-model';
import { agentize } from './agentize';
import { enableOrchestration } from './enable-orchestration';
import { predict } from './predict';
import { createSimulatedLanguageModel, type SimulatedTask } from './simulated-language-model';
import { createWorkflow } from './workflow';

let running: RunningSpace | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

// A software team on the simulated model: each agent's task is told apart by its instruction.
const byInstruction = (word: string) => (_inputs: unknown, instruction: string) =>
  instruction.includes(word);
const tasks: SimulatedTask[] = [
  {
    type: 'planning',
    matches: byInstruction('Plan'),
    solve: ({ task }) => ({ plan: `1. read ${String(task)}` }),
  },
  {
    type: 'python',
    matches: byInstruction('Python'),
    solve: ({ plan }) => ({ code: `# python\n${String(plan)}` }),
  },
  {
    type: 'rust',
    matches: byInstruction('Rust'),
    solve: ({ plan }) => ({ code: `// rust\n${String(plan)}` }),
  },
  { type: 'review', matches: byInstruction('Review'), solve: () => ({ verdict: 'approve' }) },
];
const lm = createSimulatedLanguageModel({
  seed: 1,
  tasks,
  responseModel: { all: { baseAccuracy: 0.98, maxAccuracy: 0.9999, optimalTemperature: 0.7 } },
});
const team = () => [
  predict('task -> plan', { lm, name: 'planner' }),
  agentize(
    predict('task, plan -> code', { lm }).withConfig({ instruction: 'Write Python for the plan.' }),
    {
      agentId: 'python_coder',
    },
  ),
  agentize(
    predict('task, plan -> code', { lm }).withConfig({ instruction: 'Write Rust for the plan.' }),
    {
      agentId: 'rust_coder',
    },
  ),
  predict("code -> verdict: 'approve' | 'reject'", { lm, name: 'reviewer' }).withConfig({
    instruction: 'Review the code.',
  }),
];
const plannerInstruction = { instruction: 'Plan the work.' };

describe('createWorkflow', () => {
  it('wires programs as a pipeline of agents with their local variables', () => {
    const [planner, ...rest] = team();
    const workflow = createWorkflow(
      [(planner as ReturnType<typeof predict>).withConfig(plannerInstruction), ...rest],
      {
        id: 'software_team',
      },
    );
    expect(workflow.order).toEqual(['planner', 'python_coder', 'rust_coder', 'reviewer']);
    expect(Object.keys(workflow.space.agents)).toEqual(workflow.order);
    expect(workflow.space.coordinationGraph.edges).toEqual([
      { from: 'planner', to: 'python_coder', type: 'data' },
      { from: 'python_coder', to: 'rust_coder', type: 'data' },
      { from: 'rust_coder', to: 'reviewer', type: 'data' },
    ]);
    expect(workflow.space.localVariables.python_coder?.variables.map((v) => v.id)).toEqual([
      'model',
      'temperature',
      'maxTokens',
      'instruction',
      'demos',
      'reasoningStrategy',
    ]);
    expect(workflow.space.agents.python_coder?.localConfiguration.instruction).toBe(
      'Write Python for the plan.',
    );
    expect(Object.keys(workflow.behaviours)).toEqual([
      'dspex:planner',
      'dspex:python_coder',
      'dspex:rust_coder',
      'dspex:reviewer',
    ]);
    const star = createWorkflow(team(), { id: 'star_team', topology: 'star', hub: 'planner' });
    expect(star.space.coordinationGraph.topology).toBe('star');
    expect(star.space.coordinationGraph.edges).toContainEqual({
      from: 'planner',
      to: 'reviewer',
      type: 'coordination',
    });
  });

  it('runs in a space where an agent selection picks which coder answers', async () => {
    const [planner, ...rest] = team();
    const workflow = createWorkflow(
      [(planner as ReturnType<typeof predict>).withConfig(plannerInstruction), ...rest],
      {
        id: 'software_team',
        orchestrationVariables: [
          agentSelection('coder', {
            agents: ['python_coder', 'rust_coder'],
            default: ['python_coder'],
          }),
        ],
      },
    );
    running = await startSpace(workflow.space, {
      behaviours: workflow.behaviours,
      clock: createManualClock(),
      statsIntervalMs: 0,
    });
    await running.startAgents();
    await running.coordinateAgents();
    expect(running.space$.value.agents.rust_coder?.status).toBe('inactive');

    const first = await workflow.run(running, { task: 'a CSV parser' });
    expect(first.skipped).toEqual(['rust_coder']);
    expect(first.steps.map((s) => s.agentId)).toEqual(['planner', 'python_coder', 'reviewer']);
    expect(first.values).toEqual({
      task: 'a CSV parser',
      plan: '1. read a CSV parser',
      code: '# python\n1. read a CSV parser',
      verdict: 'approve',
    });
    expect(first.steps[1]?.inputs).toEqual({ task: 'a CSV parser', plan: '1. read a CSV parser' });

    await running.setVariable('coder', ['rust_coder']);
    const second = await workflow.run(running, { task: 'a CSV parser' });
    expect(second.skipped).toEqual(['python_coder']);
    expect(second.values.code).toBe('// rust\n1. read a CSV parser');
  });

  it('keeps the agents that follow a variable in step with the running space', async () => {
    const writerLm = scriptedLanguageModel(['{"text":"hello"}']);
    const writer = agentize(
      enableOrchestration(predict('topic -> text', { lm: writerLm }), ['creativity'], {
        apply: (program, values) =>
          typeof values.creativity === 'number'
            ? program.withConfig({ temperature: values.creativity })
            : program,
      }),
      { agentId: 'writer' },
    );
    const workflow = createWorkflow([writer], {
      id: 'writers',
      orchestrationVariables: [
        adaptationRate('creativity', { agents: ['writer'], range: [0, 2], default: 0.4 }),
      ],
    });
    running = await startSpace(workflow.space, {
      behaviours: workflow.behaviours,
      statsIntervalMs: 0,
    });
    await running.startAgents();
    // The running space itself keeps followers in step: no wiring needed.
    await running.call('writer', { type: 'run', inputs: { topic: 'sea' } });
    await running.setVariable('creativity', 1.3);
    await running.call('writer', { type: 'run', inputs: { topic: 'sea' } });
    await running.setVariable('creativity', 0.2);
    await running.call('writer', { type: 'run', inputs: { topic: 'sea' } });
    await workflow.run(running, { topic: 'sky' });
    expect(writerLm.requests.map((r) => r.temperature)).toEqual([0.4, 1.3, 0.2, 0.2]);
  });

  it('validates its input', () => {
    expect(() => createWorkflow([], { id: 'x' })).toThrow(
      /programs: must list at least one program/,
    );
    expect(() => createWorkflow([predict('a -> b'), predict('a -> b')], { id: 'x' })).toThrow(
      /programs\[1\]: repeats the agent id "predict"/,
    );
    expect(() =>
      createWorkflow([predict('a -> b')], { id: 'x', topology: 'tree' as never }),
    ).toThrow(/options\.topology/);
  });
});
