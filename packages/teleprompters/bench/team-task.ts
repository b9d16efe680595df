/**
 * The benchmark's synthetic team task on the simulated LM, with a known optimum:
 * - three task types, each with a best-suited agent (a per-agent response profile);
 * - a temperature sweet spot per agent;
 * - demos that help only when they are of the task's type (the simulator's relevance rule);
 * - a topology that matters: `star` routes each task to the selected agent whose speciality it
 *   is, `ring` hands it to the first selected agent, `mesh` runs every selected agent and keeps
 *   the last answer.
 */
import {
  addOrchestrationVariable,
  agentSelection,
  type Configuration,
  communicationTopology,
  createMultiAgentSpace,
  type JsonValue,
  type LanguageModel,
  type LanguageModelRequest,
  type MultiAgentSpace,
} from '@varplane/core';
import {
  agentize,
  createSimulatedLanguageModel,
  type Example,
  example,
  type Program,
  predict,
  type SimulatedLanguageModel,
  taskFromExamples,
} from '@varplane/dspex-bridge';
import {
  createRunTraceSink,
  createRuntimeTeamRunner,
  type TeamExample,
  type TeamMetric,
  type TeamRunner,
} from '../src';

export const TASKS = ['arithmetic', 'sentiment', 'translation'] as const;
export type Task = (typeof TASKS)[number];

export const SPECIALISTS: Readonly<Record<Task, string>> = {
  arithmetic: 'mathematician',
  sentiment: 'critic',
  translation: 'linguist',
};
export const AGENTS = Object.values(SPECIALISTS);
const SWEET_SPOT: Readonly<Record<string, number>> = {
  mathematician: 0.2,
  critic: 0.7,
  linguist: 1.1,
};
/** The examples of each task: `count` per type, inputs `{ question }`, labels `{ answer }`. */
export function taskExamples(count: number, offset = 0): Example[] {
  const out: Example[] = [];
  for (let i = offset; i < offset + count; i++) {
    out.push(example({ question: `arithmetic ${i}: ${i} + ${2 * i}` }, { answer: String(3 * i) }));
    out.push(
      example(
        { question: `sentiment ${i}: review ${i}` },
        { answer: i % 2 === 0 ? 'positive' : 'negative' },
      ),
    );
    out.push(example({ question: `translation ${i}: phrase ${i}` }, { answer: `phrase-${i}-fr` }));
  }
  return out;
}

const taskOf = (question: string): Task => question.split(' ')[0] as Task;

export function toTeamExample(item: Example): TeamExample {
  const question = String(item.inputs.question);
  return { input: item.inputs, expectedOutput: item.labels, taskType: taskOf(question) };
}

/** The simulated LM: each agent is best at its own task, at its own temperature. */
export function simulatedModel(all: readonly Example[], seed: number): SimulatedLanguageModel {
  const agents: Record<string, { tasks: Record<string, Record<string, unknown>> }> = {};
  for (const [task, specialist] of Object.entries(SPECIALISTS)) {
    const tasks: Record<string, Record<string, unknown>> = {};
    for (const other of TASKS) {
      tasks[other] =
        other === task
          ? { baseAccuracy: 0.65, optimalTemperature: SWEET_SPOT[specialist] }
          : { baseAccuracy: 0.2, optimalTemperature: SWEET_SPOT[specialist] };
    }
    agents[specialist] = { tasks };
  }
  return createSimulatedLanguageModel({
    seed,
    tasks: TASKS.map((type) =>
      taskFromExamples(
        type,
        all.filter((item) => taskOf(String(item.inputs.question)) === type),
      ),
    ),
    responseModel: {
      all: {
        temperatureSensitivity: 1,
        demoGain: 1.2,
        demoHalfSaturation: 1,
        irrelevantDemoPenalty: 0.15,
        reasoningBonus: 0,
        maxAccuracy: 0.97,
      },
    },
    agents: agents as never,
  });
}

/** One predictor per agent, answering `question -> answer`. */
export function agentPrograms(pool: readonly Example[]): Record<string, Program> {
  const out: Record<string, Program> = {};
  for (const agentId of AGENTS) {
    out[agentId] = predict('question -> answer: string', {
      name: agentId,
      temperature: 1.5,
      maxDemos: 3,
      demoPool: pool,
    });
  }
  return out;
}

/** Which selected agents take the task, in order; the last one's answer counts. */
export function workers(configuration: Configuration, task: Task): string[] {
  const active = configuration['team.active'] as readonly string[];
  const topology = configuration['team.topology'];
  if (topology === 'star')
    return [active.includes(SPECIALISTS[task]) ? SPECIALISTS[task] : (active[0] as string)];
  if (topology === 'mesh') return [...active];
  return [active[0] as string];
}

/** An agent's program configured with its local values in the joint configuration. */
export function configured(
  programs: Readonly<Record<string, Program>>,
  configuration: Configuration,
  agentId: string,
): Program {
  const local: Record<string, JsonValue> = {};
  for (const [id, value] of Object.entries(configuration)) {
    if (id.startsWith(`${agentId}.`)) local[id.slice(agentId.length + 1)] = value;
  }
  return (programs[agentId] as Program).withConfig(local);
}

export const exact: TeamMetric = (item, run) =>
  String(run.output?.answer ?? '') === String(item.expectedOutput?.answer ?? '');

/**
 * The true worth of a configuration: the mean chance, per the simulator's own response model, that
 * the answering agent gets each test example right. Measured by running the team once per example
 * on an LM that records the simulator's accuracy for every request it sees.
 */
export async function trueValue(
  programs: Readonly<Record<string, Program>>,
  lm: SimulatedLanguageModel,
  configuration: Configuration,
  tests: readonly Example[],
): Promise<number> {
  let total = 0;
  for (const item of tests) {
    let accuracy = 0;
    const probe: LanguageModel = {
      specificationVersion: 'v1',
      provider: 'probe',
      modelId: lm.modelId,
      generate(request: LanguageModelRequest) {
        accuracy = lm.inspect(request).accuracy;
        return lm.generate(request);
      },
    };
    const task = taskOf(String(item.inputs.question));
    for (const agentId of workers(configuration, task)) {
      await configured(programs, configuration, agentId)
        .call(item.inputs, { lm: probe, agentId, rolloutId: 'probe' })
        .catch(() => undefined);
    }
    total += accuracy;
  }
  return total / tests.length;
}

/** The best configuration, by construction: the response model is monotone in every factor. */
export function optimum(base: Configuration, pool: readonly Example[]): Configuration {
  const values: Record<string, JsonValue> = {
    ...base,
    'team.active': [...AGENTS],
    'team.topology': 'star',
  };
  for (const task of TASKS) {
    const agentId = SPECIALISTS[task];
    values[`${agentId}.temperature`] = SWEET_SPOT[agentId] as number;
    values[`${agentId}.demos`] = pool
      .filter((item) => taskOf(String(item.inputs.question)) === task)
      .slice(0, 3) as unknown as JsonValue[];
  }
  return values;
}

/**
 * The team on the runtime: each program agentized (its temperature and demos are its local
 * variables), answering through `lm`, with a runner that routes each task by the topology.
 */
export function runtimeTeam(
  programs: Readonly<Record<string, Program>>,
  lm: LanguageModel,
): { space: MultiAgentSpace; runner: TeamRunner } {
  const traces = createRunTraceSink();
  let space = createMultiAgentSpace({ id: 'bench_team' });
  const behaviours: Record<string, ReturnType<typeof agentize>['behaviour']> = {};
  for (const agentId of AGENTS) {
    const agent = agentize(programs[agentId] as Program, {
      agentId,
      lm,
      trace: traces,
      localVariables: ['temperature', 'demos'],
      capabilities: [TASKS.find((task) => SPECIALISTS[task] === agentId) as string],
    });
    space = agent.register(space);
    behaviours[agent.config.behaviour] = agent.behaviour;
  }
  space = addOrchestrationVariable(
    space,
    agentSelection('active', { agents: AGENTS, default: ['linguist', 'critic', 'mathematician'] }),
  );
  space = addOrchestrationVariable(
    space,
    communicationTopology('topology', {
      agents: AGENTS,
      patterns: ['ring', 'star', 'mesh'],
      default: 'ring',
    }),
  );
  const runner = createRuntimeTeamRunner({
    behaviours,
    traces,
    task: async ({ running, example, configuration, runId }) => {
      let answer: Readonly<Record<string, unknown>> | undefined;
      for (const agentId of workers(configuration, taskOf(String(example.input.question)))) {
        answer = await running.call(agentId, {
          type: 'run',
          inputs: example.input,
          runId,
          rolloutId: runId,
        });
      }
      return answer;
    },
  });
  return { space, runner };
}
