import {
  addOrchestrationVariable,
  agentSelection,
  createMultiAgentSpace,
  createVariableSpace,
  float,
  registerAgent,
} from '@varplane/core';
import type { Behaviour } from '@varplane/runtime';
import { describe, expect, it } from 'vitest';
import { applyTeamConfig } from './apply-team-config';
import { evaluateTeamPerformance } from './evaluate-team-performance';
import { createRunTraceSink, createRuntimeTeamRunner } from './runtime-team-runner';
import type { TeamRunRequest } from './team-runner';
import { createTeamSpace } from './team-space';

type Message = { type: 'run'; inputs: { n: number }; runId: string };

/** Doubles a number (well, when its bias is 0) and spends 10 tokens a call. */
function doubler(
  traces: ReturnType<typeof createRunTraceSink>,
): Behaviour<{ bias: number }, Message> {
  return {
    name: 'doubler',
    init: (args) => ({
      bias: ((args as { config: { localConfiguration: { bias?: number } } }).config
        .localConfiguration.bias ?? 0) as number,
    }),
    handle(message, state, ctx) {
      ctx.spend({ tokens: 10 });
      const output = { answer: message.inputs.n * 2 + state.bias };
      traces.record({
        agentId: ctx.self.id,
        runId: message.runId,
        step: 0,
        input: message.inputs,
        output,
        configuration: { bias: state.bias },
        startedAt: 0,
        endedAt: 0,
        usage: { inputTokens: 5, outputTokens: 5, totalTokens: 10 },
      });
      ctx.reply(output);
      return state;
    },
  };
}

function team() {
  let space = createMultiAgentSpace({ id: 'doublers' });
  for (const id of ['first', 'second']) {
    space = registerAgent(
      space,
      { id, behaviour: 'doubler', resources: { memory: 100 } },
      { localVariables: createVariableSpace([float('bias', { range: [0, 1], default: 1 })]) },
    );
  }
  return addOrchestrationVariable(
    space,
    agentSelection('active', { agents: ['first', 'second'], default: ['first'] }),
  );
}

function runnerFor() {
  const traces = createRunTraceSink();
  return createRuntimeTeamRunner({
    behaviours: { doubler: doubler(traces) },
    traces,
    task: async ({ running, example, runId, configuration }) => {
      const active = configuration['team.active'] as string[];
      let last: Record<string, unknown> | undefined;
      for (const agentId of active) {
        last = await running.call(agentId, { type: 'run', inputs: example.input, runId });
      }
      return last;
    },
  });
}

const request = (
  space: ReturnType<typeof team>,
  extra: Partial<TeamRunRequest> = {},
): TeamRunRequest => ({
  space,
  configuration: createTeamSpace(space).current,
  example: { input: { n: 4 }, expectedOutput: { answer: 8 } },
  exampleIndex: 0,
  seed: 1,
  runId: 'r1',
  limits: {},
  faults: [],
  signal: new AbortController().signal,
  ...extra,
});

describe('createRuntimeTeamRunner', () => {
  it('runs the candidate team on the runtime, with its local configuration', async () => {
    const space = applyTeamConfig(team(), { 'first.bias': 0 });
    const result = await runnerFor().run(request(space));
    expect(result.output).toEqual({ answer: 8 });
    expect(result.traces.map((trace) => trace.agentId)).toEqual(['first']);
    expect(result.usage.totalTokens).toBe(10);
    // The task's call is the runner's, not a message between agents.
    expect(result.messages).toBe(0);
    expect(result.error).toBeUndefined();
  });

  it('runs behaviours and agents named __proto__ like any other, faults included', async () => {
    const traces = createRunTraceSink();
    let space = createMultiAgentSpace({ id: 'odd' });
    space = registerAgent(space, { id: '__proto__', behaviour: '__proto__' });
    const runner = createRuntimeTeamRunner({
      // A computed key: an own `__proto__` property, as JSON.parse would give.
      behaviours: { ['__proto__']: { ...doubler(traces), name: '__proto__' } },
      traces,
      task: ({ running, example, runId }) =>
        running.call('__proto__', { type: 'run', inputs: example.input, runId }),
    });
    const ok = await runner.run(request(space as never));
    expect(ok.output).toEqual({ answer: 8 });
    const faulty = await runner.run(request(space as never, { faults: ['__proto__'] }));
    expect(faulty.output).toBeUndefined();
    expect(faulty.error?.message).toMatch(/__proto__/);
  });

  it('makes fault agents crash on every call', async () => {
    const result = await runnerFor().run(request(team(), { faults: ['first'] }));
    expect(result.output).toBeUndefined();
    expect(result.error?.message).toMatch(/first/);
  });

  it("holds a run to its token limit through the runtime's pool", async () => {
    const space = applyTeamConfig(team(), { 'team.active': ['first', 'second'] });
    const result = await runnerFor().run(request(space, { limits: { tokens: 15 } }));
    // The second agent's spend would pass the pool: the runtime refuses it and the call fails.
    expect(result.error?.code).toBe('AGENT_CRASHED');
    expect(result.error?.message).toMatch(/needs 10 tokens but only 5 is available/);
    expect(result.usage.totalTokens).toBeLessThanOrEqual(15);
  });

  it('lets evaluateTeamPerformance measure a real team', async () => {
    const space = applyTeamConfig(team(), { 'team.active': ['first', 'second'], 'second.bias': 0 });
    const examples = [1, 2, 3, 4].map((n) => ({ input: { n }, expectedOutput: { answer: 2 * n } }));
    const report = await evaluateTeamPerformance(
      space,
      examples,
      (example, run) => run.output?.answer === example.expectedOutput?.answer,
      { runner: runnerFor() },
    );
    // The second agent answers last, and right; without it the first's biased answer counts.
    expect(report.overallScore).toBe(1);
    expect(report.individualScores).toEqual({ first: 0, second: 1 });
    expect(report.agentActivations).toEqual({ first: 4, second: 4 });
    expect(report.faultToleranceScore).toBe(0);
  });

  it('measures the memory a run takes, not the memory its agents declare', async () => {
    const mb = 1024 * 1024;
    const hoarder: Behaviour<{ held: Uint8Array[] }, Message> = {
      name: 'hoarder',
      init: () => ({ held: [] }),
      handle(_message, state, ctx) {
        // 24 MB held in the agent's state until the team stops.
        const held = Array.from({ length: 24 }, () => new Uint8Array(mb).fill(1));
        ctx.reply({ answer: held.length });
        return { held: [...state.held, ...held] };
      },
    };
    let space = createMultiAgentSpace({ id: 'hoarders' });
    space = registerAgent(space, { id: 'hoarder', behaviour: 'hoarder', resources: { memory: 1 } });
    const runner = createRuntimeTeamRunner({
      behaviours: { hoarder },
      task: ({ running, example, runId }) =>
        running.call('hoarder', { type: 'run', inputs: example.input as { n: number }, runId }),
    });
    const result = await runner.run({ ...request(team()), space, configuration: {} });
    expect(result.output).toEqual({ answer: 24 });
    expect(result.memoryBytes).toBeGreaterThanOrEqual(24 * mb);
  });

  it('counts the messages agents send one another, not the calls the task makes', async () => {
    const relay: Behaviour<null, Message> = {
      name: 'relay',
      init: () => null,
      async handle(message, state, ctx) {
        const reply = ctx.deferReply();
        // Two messages between agents: a cast to the second doubler and a call to the first.
        ctx.send('second', { type: 'run', inputs: message.inputs, runId: 'ignored' });
        ctx.call('first', message).then(reply.resolve, reply.reject);
        return state;
      },
    };
    let space = registerAgent(team(), { id: 'relay', behaviour: 'relay' });
    space = applyTeamConfig(space, { 'team.active': ['first', 'second'] });
    const traces = createRunTraceSink();
    const runner = createRuntimeTeamRunner({
      behaviours: { doubler: doubler(traces), relay },
      traces,
      task: ({ running, example, runId }) =>
        running.call('relay', { type: 'run', inputs: example.input as { n: number }, runId }),
    });
    const result = await runner.run(request(space));
    expect(result.output).toEqual({ answer: 9 });
    expect(result.messages).toBe(2);
  });
});
