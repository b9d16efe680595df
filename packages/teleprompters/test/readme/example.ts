import { addOrchestrationVariable, agentSelection, createMultiAgentSpace } from '@varplane/core';
import { agentize, createSimulatedLanguageModel, predict } from '@varplane/dspex-bridge';
import type { AnyBehaviour } from '@varplane/runtime';
import {
  applyTeamConfig,
  createRunTraceSink,
  createRuntimeTeamRunner,
  simba,
  type TeamMetric,
} from '@varplane/teleprompters';

// Two coders on a simulated model (a seeded simulation): the rust coder is the one for rust.
const lm = createSimulatedLanguageModel({
  seed: 1,
  tasks: [{ type: 'max', solve: ({ task }) => ({ answer: String(Math.max(...numbers(task))) }) }],
  agents: {
    python_coder: { all: { baseAccuracy: 0.3 } },
    rust_coder: { all: { baseAccuracy: 0.85, optimalTemperature: 0.2 } },
  },
});
const numbers = (text: unknown) => (String(text).match(/\d+/g) ?? []).map(Number);

// The runner: the team's agents record their steps in one trace sink, and `task` gives the
// running candidate team one example. Here it goes to whoever `coder` selects, with the run's
// seed, so every candidate is scored on the same draws.
const traces = createRunTraceSink();
const behaviours: Record<string, AnyBehaviour> = {};
let space = createMultiAgentSpace({ id: 'coders' });
for (const agentId of ['python_coder', 'rust_coder']) {
  const program = predict('task -> answer', { name: agentId, lm, temperature: 1 });
  const agent = agentize(program, { agentId, localVariables: ['temperature'], trace: traces });
  space = agent.register(space);
  behaviours[agent.config.behaviour] = agent.behaviour as AnyBehaviour;
}
space = addOrchestrationVariable(
  space,
  agentSelection('coder', {
    agents: ['python_coder', 'rust_coder'],
    default: ['python_coder'],
    constraints: { maxConcurrent: 1 }, // one coder on duty
  }),
);
const runner = createRuntimeTeamRunner({
  behaviours,
  traces,
  task: ({ running, example, runId, seed }) =>
    running.callSelected('coder', { type: 'run', inputs: example.input, runId, seed }),
});

// The metric reads `answer`, the field the coders' signature produces.
const metric: TeamMetric = (example, run) => run.output?.answer === example.expectedOutput?.answer;
const trainset = Array.from({ length: 12 }, (_, i) => ({
  input: { task: `rust: the max of ${i * 7} and ${50 - i}` },
  expectedOutput: { answer: String(Math.max(i * 7, 50 - i)) },
}));

const run = simba(space, trainset, metric, {
  runner,
  bsize: 6,
  numCandidates: 4,
  maxSteps: 4,
  budget: { maxMetricCalls: 200 },
  seed: 1,
});
run.progress$.subscribe((event) => {
  if (event.type === 'metric-constant') console.warn(`every run scored ${event.score}`);
});
const { config, score, baselineScore } = await run.result;
const tuned = applyTeamConfig(space, config);
const coders = tuned.orchestrationVariables.coder?.value; // the rust coder among them
console.log(Array.isArray(coders) && coders.includes('rust_coder')); // true
console.log((score ?? 0) > (baselineScore ?? 1)); // true
