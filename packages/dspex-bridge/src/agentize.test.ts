import {
  adaptationRate,
  addOrchestrationVariable,
  agentSelection,
  communicationTopology,
  createManualClock,
  createMultiAgentSpace,
  directive,
  type OrchestrationVariable,
  type RuntimeEvent,
  resourceAllocation,
  setLocalConfiguration,
} from '@varplane/core';
import { type RunningSpace, startSpace } from '@varplane/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { arithmeticTask } from '../test/arithmetic-task';
import { scriptedLanguageModel } from '../test/scripted-language-model';
import { agentize, type ProgramAgentStatus } from './agentize';
import { chainOfThought } from './chain-of-thought';
import type { ForwardContext } from './compose-program';
import { functionProgram } from './function-program';
import { predict } from './predict';
import { createSimulatedLanguageModel } from './simulated-language-model';
import { createTraceCollector } from './trace';

let running: RunningSpace | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const sure = () =>
  createSimulatedLanguageModel({
    seed: 4,
    tasks: [arithmeticTask],
    responseModel: { all: { baseAccuracy: 0.98, maxAccuracy: 0.999 } },
  });

async function start(
  agents: ReturnType<typeof agentize>[],
  events?: RuntimeEvent[],
  variables: OrchestrationVariable[] = [],
) {
  let space = createMultiAgentSpace({ id: 'team' });
  for (const agent of agents) space = agent.register(space);
  for (const variable of variables) space = addOrchestrationVariable(space, variable);
  running = await startSpace(space, {
    behaviours: Object.fromEntries(agents.map((a) => [a.config.behaviour, a.behaviour])),
    clock: createManualClock(),
    statsIntervalMs: 0,
  });
  if (events !== undefined) running.events$.subscribe((event) => events.push(event));
  await running.startAgents();
  return running;
}

describe('agentize', () => {
  it('makes an agent config whose local variables are the program parameters', () => {
    const agent = agentize(predict('question -> answer', { lm: sure(), temperature: 0.2 }), {
      agentId: 'solver',
      role: 'executor',
      coordinationVariables: ['solver_selection'],
      localVariables: ['temperature', 'instruction'],
      resources: { tokens: 10_000 },
    });
    expect(agent.config).toMatchObject({
      id: 'solver',
      behaviour: 'dspex:solver',
      role: 'executor',
      interfaces: ['run', 'configure', 'orchestration', 'status', 'directive'],
      capabilities: ['program:predict', 'signature:question -> answer'],
      localConfiguration: {
        temperature: 0.2,
        instruction: 'Given the fields `question`, produce the fields `answer`.',
      },
      resources: { tokens: 10_000 },
    });
    expect(agent.localVariables.variables.map((v) => v.id)).toEqual(['temperature', 'instruction']);
    expect(agent.coordinationVariables).toEqual(['solver_selection']);
    const space = agent.register(createMultiAgentSpace({ id: 't' }));
    expect(space.agents.solver?.localConfiguration).toEqual(agent.config.localConfiguration);
    expect(space.localVariables.solver?.variables.map((v) => v.id)).toEqual([
      'temperature',
      'instruction',
    ]);
    expect(() => agentize(predict('a -> b'), { agentId: 'x', localVariables: ['topK'] })).toThrow(
      /localVariables\[0\]: is not a variable of predict/,
    );
    expect(() => agentize(predict('a -> b'), { agentId: 'bad id' })).toThrow(/agentId/);
  });

  it('answers calls inside a running space by running the program', async () => {
    const traces = createTraceCollector();
    const solver = agentize(
      chainOfThought('question -> answer', { lm: sure(), temperature: 0.3 }),
      {
        agentId: 'solver',
        trace: traces,
      },
    );
    const team = await start([solver]);
    const output = await team.call('solver', {
      type: 'run',
      inputs: { question: 'What is 20 + 22?' },
      runId: 'r1',
    });
    expect(output).toMatchObject({ answer: '42' });
    expect(traces.traces()[0]).toMatchObject({ agentId: 'solver', runId: 'r1', predictor: '' });
    const status = await team.call<ProgramAgentStatus>('solver', { type: 'status' });
    expect(status.runs).toBe(1);
    expect(status.failures).toBe(0);
    expect(status.usage.totalTokens).toBe(traces.traces()[0]?.usage?.totalTokens);
  });

  it('rejects a failed run with its typed error and keeps running', async () => {
    const lm = scriptedLanguageModel(['not json']);
    const agent = agentize(predict('question -> answer', { lm, parseRetries: 0 }), {
      agentId: 'flaky',
    });
    const team = await start([agent]);
    await expect(
      team.call('flaky', { type: 'run', inputs: { question: 'q' } }),
    ).rejects.toMatchObject({
      code: 'OUTPUT_PARSE_FAILED',
      rawText: 'not json',
    });
    await expect(team.call('flaky', { type: 'run', inputs: {} })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
    const status = await team.call<ProgramAgentStatus>('flaky', { type: 'status' });
    expect(status).toMatchObject({ runs: 2, failures: 2 });
    expect(team.space$.value.agents.flaky?.status).toBe('active');
  });

  it('is stopped by its supervisor when its token budget runs out', async () => {
    const lm = scriptedLanguageModel(['{"answer":"a"}']);
    const agent = agentize(predict('question -> answer', { lm }), {
      agentId: 'spender',
      resources: { tokens: 40 },
    });
    const events: RuntimeEvent[] = [];
    const team = await start([agent], events);
    // Each response costs 15 tokens: two fit, the third passes the budget.
    await team.call('spender', { type: 'run', inputs: { question: 'q' } });
    await team.call('spender', { type: 'run', inputs: { question: 'q' } });
    await expect(
      team.call('spender', { type: 'run', inputs: { question: 'q' } }),
    ).rejects.toMatchObject({
      code: 'BUDGET_EXHAUSTED',
    });
    await team.system.whenIdle();
    expect(team.instances('spender')).toEqual([]);
    expect(events.some((e) => e.type === 'agent-restarted' && e.agent === 'spender')).toBe(false);
    expect(events.some((e) => e.type === 'agent-stopped' && e.agent === 'spender')).toBe(true);
    await expect(
      team.call('spender', { type: 'run', inputs: { question: 'q' } }),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/AGENT_NOT_(RUNNING|FOUND)/),
    });
    expect(lm.requests).toHaveLength(3);
  });

  it('is stopped when its cost budget runs out', async () => {
    const lm = scriptedLanguageModel(['{"answer":"a"}']);
    const agent = agentize(predict('question -> answer', { lm }), {
      agentId: 'buyer',
      resources: { cost: 1.2 },
    });
    const team = await start([agent]);
    // Each response costs 0.5: the third passes 1.2.
    await team.call('buyer', { type: 'run', inputs: { question: 'q' } });
    await team.call('buyer', { type: 'run', inputs: { question: 'q' } });
    const error = await team
      .call('buyer', { type: 'run', inputs: { question: 'q' } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BUDGET_EXHAUSTED', resource: 'cost', requested: 0.5 });
    await team.system.whenIdle();
    expect(team.instances('buyer')).toEqual([]);
  });

  it('sees its coordination variables in a plain running space, at start and on every change', async () => {
    const seen: Array<ForwardContext['orchestration']> = [];
    const coderProgram = functionProgram({
      name: 'coder',
      signature: 'task -> code',
      run: (_inputs, context) => {
        seen.push(context.orchestration);
        return { code: 'print(1)' };
      },
    });
    const coders = ['python_coder', 'elixir_coder'];
    const agents = coders.map((agentId) =>
      agentize(coderProgram, {
        agentId,
        role: 'executor',
        coordinationVariables: ['coder_selection', 'resource_allocation', 'communication_topology'],
      }),
    );
    const team = await start(agents, undefined, [
      agentSelection('coder_selection', { agents: coders, default: ['python_coder'] }),
      resourceAllocation('resource_allocation', {
        agents: coders,
        resource: 'tokens',
        total: 1_000,
        plans: { python_heavy: { python_coder: 3, elixir_coder: 1 } },
      }),
      communicationTopology('communication_topology', {
        agents: coders,
        patterns: ['ring', 'mesh'],
      }),
    ]);
    const run = () => team.call('python_coder', { type: 'run', inputs: { task: 't' } });
    await run();
    await team.coordinateAgents();
    await team.setVariable('resource_allocation', 'python_heavy');
    await run();
    await team.setVariable('communication_topology', 'mesh');
    await team.setVariable('coder_selection', ['python_coder', 'elixir_coder']);
    await run();
    expect(seen).toEqual([
      {
        coder_selection: ['python_coder'],
        resource_allocation: 'equal',
        communication_topology: 'ring',
      },
      {
        coder_selection: ['python_coder'],
        resource_allocation: 'python_heavy',
        communication_topology: 'ring',
      },
      {
        coder_selection: ['python_coder', 'elixir_coder'],
        resource_allocation: 'python_heavy',
        communication_topology: 'mesh',
      },
    ]);
    // The coder the last swap started sees the current values from its first run.
    expect(await team.call<ProgramAgentStatus>('elixir_coder', { type: 'status' })).toMatchObject({
      orchestration: {
        coder_selection: ['python_coder', 'elixir_coder'],
        communication_topology: 'mesh',
      },
    });
  });

  it('refuses to run an agent that follows a variable the space does not have', async () => {
    const agent = agentize(predict('question -> answer', { lm: sure() }), {
      agentId: 'solver',
      coordinationVariables: ['solver_selection'],
    });
    await expect(start([agent])).rejects.toMatchObject({
      code: 'SPACE_INVALID',
      issues: [
        {
          path: 'agents.solver.follows.0',
          value: 'solver_selection',
          message: expect.stringContaining('no such orchestration variable'),
        },
      ],
    });
  });

  it('takes new configuration from messages and directives', async () => {
    const lm = scriptedLanguageModel(['{"answer":"a"}']);
    const agent = agentize(predict('question -> answer', { lm }), {
      agentId: 'solver',
      coordinationVariables: ['rate'],
    });
    const team = await start([agent], undefined, [
      adaptationRate('rate', { agents: ['solver'], default: 0.1 }),
    ]);
    expect(
      await team.call('solver', {
        type: 'configure',
        configuration: { temperature: 0.1, unknown: 1 },
      }),
    ).toMatchObject({
      temperature: 0.1,
    });
    await team.call('solver', { type: 'run', inputs: { question: 'q' } });
    await team.applyDirectives([
      directive('solver', 'adjustParameters', { temperature: 1.5, rate: 0.25 }),
    ]);
    await team.call('solver', { type: 'run', inputs: { question: 'q' } });
    expect(lm.requests.map((r) => r.temperature)).toEqual([0.1, 1.5]);
    const status = await team.call<ProgramAgentStatus>('solver', { type: 'status' });
    expect(status.orchestration).toEqual({ rate: 0.25 });
  });

  it('starts from the local configuration the space holds', async () => {
    const lm = scriptedLanguageModel(['{"answer":"a"}']);
    const agent = agentize(predict('question -> answer', { lm }), { agentId: 'solver' });
    let space = agent.register(createMultiAgentSpace({ id: 'team' }));
    space = setLocalConfiguration(space, 'solver', {
      ...space.agents.solver?.localConfiguration,
      temperature: 1.1,
    });
    running = await startSpace(space, {
      behaviours: { [agent.config.behaviour]: agent.behaviour },
      statsIntervalMs: 0,
    });
    await running.startAgents();
    await running.call('solver', { type: 'run', inputs: { question: 'q' } });
    expect(lm.requests[0]?.temperature).toBe(1.1);
  });

  it('refuses messages it does not understand without losing its state', async () => {
    const agent = agentize(predict('question -> answer', { lm: sure() }), { agentId: 'solver' });
    const team = await start([agent]);
    await expect(team.call('solver', { type: 'dance' })).rejects.toMatchObject({
      code: 'AGENT_CRASHED',
    });
    const status = await team.call<ProgramAgentStatus>('solver', { type: 'status' });
    expect(status.runs).toBe(0);
  });
});
