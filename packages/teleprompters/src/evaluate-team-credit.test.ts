import { createMultiAgentSpace, registerAgent } from '@varplane/core';
import { agentize, createSimulatedLanguageModel, predict } from '@varplane/dspex-bridge';
import type { AnyBehaviour } from '@varplane/runtime';
import { describe, expect, it } from 'vitest';
import { evaluateTeamPerformance } from './evaluate-team-performance';
import { createRunTraceSink, createRuntimeTeamRunner } from './runtime-team-runner';
import type { TeamMetric } from './team-runner';

// The card's coder-reviewer-tester team, run for real: the reviewer asks the coder (the one
// message between agents a task), the tester looks at the answer and cannot change it.
const lm = createSimulatedLanguageModel({
  seed: 3,
  tasks: [
    {
      type: 'sum',
      solve: ({ task }) => {
        const [a, b] = String(task).match(/\d+/g)?.map(Number) ?? [0, 0];
        return { answer: String((a ?? 0) + (b ?? 0)) };
      },
      profile: { baseAccuracy: 0.6, optimalTemperature: 0.3 },
    },
  ],
});

function team() {
  const traces = createRunTraceSink();
  const coder = agentize(predict('task -> answer', { name: 'coder', lm, temperature: 0.7 }), {
    agentId: 'coder',
    role: 'executor',
    trace: traces,
  });
  const reviewer: AnyBehaviour = {
    name: 'reviewer',
    init: () => null,
    async handle(message, state, ctx) {
      const m = message as { inputs: unknown; runId: string; seed: number };
      const reply = ctx.deferReply();
      ctx.call('coder', { type: 'run', inputs: m.inputs, runId: m.runId, seed: m.seed }).then(
        (answer) => reply.resolve(answer),
        (error) => reply.reject(error),
      );
      return state;
    },
  };
  const tester: AnyBehaviour = {
    name: 'tester',
    init: () => 0,
    handle: (_message, seen, ctx) => {
      ctx.reply({ checked: true });
      return (seen as number) + 1;
    },
  };
  let space = createMultiAgentSpace({ id: 'coding_team' });
  space = coder.register(space);
  space = registerAgent(space, { id: 'reviewer', behaviour: 'reviewer', role: 'evaluator' });
  space = registerAgent(space, { id: 'tester', behaviour: 'tester', role: 'evaluator' });
  const runner = createRuntimeTeamRunner({
    behaviours: { [coder.config.behaviour]: coder.behaviour as AnyBehaviour, reviewer, tester },
    traces,
    task: async ({ running, example, runId, seed }) => {
      const answer = await running.call<Record<string, unknown>>('reviewer', {
        inputs: example.input,
        runId,
        seed,
      });
      // The tester's verdict is advice: the answer stands whatever it says, or if it fails.
      await running.call('tester', { answer }).catch(() => undefined);
      return answer;
    },
  });
  return { space, runner };
}

const examples = Array.from({ length: 24 }, (_, i) => ({
  input: { task: `sum of ${i * 3} and ${i + 4}` },
  expectedOutput: { answer: String(i * 3 + i + 4) },
}));
const exact: TeamMetric = (example, run) => run.output?.answer === example.expectedOutput?.answer;

describe('evaluateTeamPerformance on a running team', () => {
  it('credits agents by paired ablation with an interval, counts only messages between agents, and measures memory', async () => {
    const { space, runner } = team();
    const report = await evaluateTeamPerformance(space, examples, exact, {
      runner,
      seed: 11,
      faultInjection: false,
    });
    expect(report.overallScore).toBeGreaterThan(0.2);
    expect(report.overallScore).toBeLessThan(1);
    // Same examples, same seeds, same replies: a tester that cannot change the answer earns
    // exactly nothing, and its interval says so.
    expect(report.individualCredit.tester).toEqual({ credit: 0, low: 0, high: 0, pairs: 24 });
    // Without the coder (or the reviewer who asks it) no task is answered: the whole score.
    for (const agent of ['coder', 'reviewer']) {
      const credit = report.individualCredit[agent];
      expect(credit?.credit).toBeCloseTo(report.overallScore, 10);
      expect(credit?.low).toBeGreaterThan(0);
      expect(credit?.high).toBeGreaterThanOrEqual(credit?.credit ?? 1);
      expect(report.individualScores[agent]).toBe(credit?.credit);
    }
    // One step a task (the coder's), one message between agents a task (reviewer to coder); the
    // runner's own calls to the reviewer and the tester are not communication inside the team.
    expect(report.agentActivations).toEqual({ coder: 24 });
    expect(report.communicationOverhead).toBe(1);
    expect(report.memoryUsage).toBeGreaterThanOrEqual(0);
    expect(Number.isInteger(report.memoryUsage)).toBe(true);
  }, 60_000);

  it('refuses a confidence outside (0, 1)', async () => {
    const { space, runner } = team();
    await expect(
      evaluateTeamPerformance(space, examples, exact, { runner, confidence: 1 }),
    ).rejects.toThrow(/options\.confidence/);
  });
});
