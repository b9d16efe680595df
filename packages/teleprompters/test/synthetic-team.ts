import {
  addOrchestrationVariable,
  agentSelection,
  communicationTopology,
  createMultiAgentSpace,
  createRandom,
  createVariableSpace,
  demos,
  float,
  type JsonValue,
  type MultiAgentSpace,
  registerAgent,
  resourceAllocation,
  type TraceRecord,
  text,
} from '@varplane/core';
import type { TeamExample, TeamMetric, TeamRunner, TeamRunRequest, TeamRunResult } from '../src';

/**
 * A small team whose best configuration is known, for tests: three specialists, each best at one
 * task type and at its own temperature; a star topology helps; a demo of the right task type helps.
 */
export const TASK_TYPES = ['math', 'code', 'writing'] as const;
export const SWEET_SPOT: Record<string, number> = { math: 0.2, code: 0.5, writing: 0.8 };
export const SPECIALIST: Record<string, string> = {
  math: 'mathematician',
  code: 'coder',
  writing: 'writer',
};

export function syntheticTeam(): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'synthetic_team', topology: 'custom' });
  for (const agentId of Object.values(SPECIALIST)) {
    const local = createVariableSpace([
      float('temperature', { range: [0, 1], default: 0.95, precision: 2 }),
      demos('demos', { maxCount: 3 }),
      text('instructions', {
        default: 'Answer.',
        candidates: ['Answer carefully.', 'Think step by step, then answer.'],
      }),
    ]);
    space = registerAgent(
      space,
      { id: agentId, behaviour: 'specialist' },
      { localVariables: local },
    );
  }
  const agents = Object.values(SPECIALIST);
  space = addOrchestrationVariable(
    space,
    agentSelection('active', { agents, default: ['writer'], constraints: { maxConcurrent: 2 } }),
  );
  space = addOrchestrationVariable(
    space,
    communicationTopology('topology', {
      agents,
      patterns: ['ring', 'star', 'mesh'],
      default: 'ring',
    }),
  );
  space = addOrchestrationVariable(
    space,
    resourceAllocation('tokens', {
      agents,
      resource: 'tokens',
      total: 1000,
      plans: { math_heavy: { mathematician: 0.6, coder: 0.2, writer: 0.2 } },
    }),
  );
  return space;
}

export function syntheticExamples(count: number, offset = 0): TeamExample[] {
  return Array.from({ length: count }, (_, k) => {
    const i = k + offset;
    const taskType = TASK_TYPES[i % TASK_TYPES.length] as string;
    return { input: { question: `q${i}` }, expectedOutput: { answer: `a${i}` }, taskType };
  });
}

type Values = Readonly<Record<string, JsonValue>>;

/** The chance the team answers an example of this task type right: the known ground truth. */
export function successChance(configuration: Values, taskType: string): number {
  const agent = SPECIALIST[taskType] as string;
  const active = configuration['team.active'] as readonly string[];
  if (!active.includes(agent)) return 0.1;
  const temperature = configuration[`${agent}.temperature`] as number;
  let chance = 0.75 - 0.6 * Math.abs(temperature - (SWEET_SPOT[taskType] as number));
  if (configuration['team.topology'] === 'star') chance += 0.1;
  const held = configuration[`${agent}.demos`] as readonly { labels?: { taskType?: string } }[];
  if (held.some((demo) => demo.labels?.taskType === taskType)) chance += 0.1;
  if (configuration[`${agent}.instructions`] === 'Think step by step, then answer.') chance += 0.05;
  return Math.max(0, Math.min(1, chance));
}

/** Mean success chance over the task types: what a configuration is truly worth. */
export function trueScore(configuration: Values): number {
  return (
    TASK_TYPES.reduce((sum, type) => sum + successChance(configuration, type), 0) /
    TASK_TYPES.length
  );
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface SyntheticRunnerOptions {
  readonly tokensPerAgent?: number;
  readonly costPerAgent?: number;
  /** Never settles unless aborted: for cancellation tests. */
  readonly hang?: boolean;
}

/** A deterministic runner for the synthetic team: the run's seed decides its luck. */
export function syntheticRunner(
  options: SyntheticRunnerOptions = {},
): TeamRunner & { calls: number } {
  const runner = {
    calls: 0,
    async run(request: TeamRunRequest): Promise<TeamRunResult> {
      runner.calls++;
      if (options.hang === true) {
        return new Promise((_, reject) => {
          request.signal.addEventListener('abort', () => reject(new Error('aborted')), {
            once: true,
          });
        });
      }
      const { example } = request;
      const taskType = example.taskType ?? 'math';
      const selected = request.configuration['team.active'] as readonly string[];
      // An agent made to fail takes its step and errors; the others carry on without it.
      const active = selected.filter((agentId) => !request.faults.includes(agentId));
      const configuration = { ...request.configuration, 'team.active': active };
      const luck = createRandom(request.seed ^ hash(JSON.stringify(example.input))).next();
      const right = active.length > 0 && luck < successChance(configuration, taskType);
      const expected = example.expectedOutput?.answer as string;
      const answer = right ? expected : `wrong-${expected}`;
      const traces: TraceRecord[] = selected.map((agentId, step) => ({
        agentId,
        runId: request.runId,
        step,
        input: step === 0 ? example.input : { question: example.input.question, draft: answer },
        output: request.faults.includes(agentId) ? undefined : { answer, taskType },
        configuration: {},
        startedAt: 0,
        endedAt: 0,
        usage: { inputTokens: 5, outputTokens: 5, totalTokens: 10 },
        ...(request.faults.includes(agentId)
          ? { error: { code: 'AGENT_CRASHED', message: 'made to fail' } }
          : {}),
      }));
      if (active.length === 0) {
        return {
          output: undefined,
          traces,
          usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
          error: { code: 'TEAM_RUN_FAILED', message: 'every agent failed' },
        };
      }
      const tokens = (options.tokensPerAgent ?? 10) * selected.length;
      const cost = (options.costPerAgent ?? 0) * selected.length;
      return {
        output: { answer },
        traces,
        usage: { inputTokens: tokens / 2, outputTokens: tokens / 2, totalTokens: tokens, cost },
        messages: selected.length - 1,
        memoryBytes: 1024 * selected.length,
      };
    },
  };
  return runner;
}

export const exactMatch: TeamMetric = (example, run) =>
  run.output?.answer === example.expectedOutput?.answer;
