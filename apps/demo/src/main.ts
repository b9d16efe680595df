/**
 * The varplane demo, on embedded defaults: no server, no API key.
 *
 * It builds a software team as one immutable value, lets its orchestration variables turn values
 * into directives, and shows the variable space an optimizer would search.
 */
import {
  adapt,
  addOrchestrationVariable,
  agentSelection,
  ConfigurationError,
  communicationTopology,
  coordinate,
  createMultiAgentSpace,
  createRandom,
  emptyMetrics,
  languageModelSpace,
  registerAgent,
  setVariableValue,
} from '@varplane/core';

const seed = Number(process.env.VARPLANE_SEED ?? 7);
const random = createRandom(seed);
const line = (text = '') => process.stdout.write(`${text}\n`);

line(`varplane demo (seed ${seed})`);
line();

// 1. One agent's knobs as a variable space.
const agentKnobs = languageModelSpace({
  models: [
    { provider: 'openai', model: 'gpt-4o-mini', contextWindow: 128_000 },
    { provider: 'ollama', model: 'llama3.1:8b', contextWindow: 8_192 },
  ],
});
const dims = agentKnobs.dimensionality();
line(
  `An agent's language-model space: ${agentKnobs.variables.length} variables (${dims.continuous} continuous, ${dims.discrete} discrete)`,
);
line(`  defaults: ${agentKnobs.serialize(agentKnobs.defaults())}`);
const sampled = agentKnobs.sample(random);
line(`  sampled:  ${agentKnobs.serialize(sampled)}`);
line(`  mutated:  ${agentKnobs.serialize(agentKnobs.mutate(sampled, random, 0.5))}`);
try {
  agentKnobs.validate({ provider: 'ollama', model: 'gpt-4o-mini', temperature: 1.8, topP: 0.1 });
} catch (error) {
  if (!ConfigurationError.isInstance(error)) throw error;
  line(`  a bad configuration is refused (${error.code}), every problem with its path:`);
  for (const issue of (error as ConfigurationError).issues)
    line(`    - ${issue.path}: ${issue.message}`);
}
line();

// 2. A team whose orchestration variables decide who runs and how they talk.
const coders = ['python_coder', 'typescript_coder', 'rust_coder'];
const empty = createMultiAgentSpace({ id: 'software_team', topology: 'star', hub: 'planner' });
let team = empty;
team = registerAgent(team, {
  id: 'planner',
  behaviour: 'planner',
  role: 'coordinator',
  status: 'active',
});
for (const id of coders)
  team = registerAgent(team, {
    id,
    behaviour: 'coder',
    status: id === 'python_coder' ? 'active' : 'inactive',
  });
team = registerAgent(team, {
  id: 'reviewer',
  behaviour: 'reviewer',
  role: 'evaluator',
  status: 'active',
});

const coderSelection = agentSelection('coder_agent', {
  agents: coders,
  default: ['python_coder'],
  constraints: { maxConcurrent: 2 },
});
const reasoningNet = communicationTopology('reasoning_net', {
  agents: ['planner', 'python_coder', 'reviewer'],
  hub: 'planner',
});
team = addOrchestrationVariable(team, coderSelection);
team = addOrchestrationVariable(team, reasoningNet);
line(`Team "${team.name}": ${Object.keys(team.agents).join(', ')}`);

const context = {
  agents: Object.fromEntries(
    Object.values(team.agents).map((a) => [a.id, { status: a.status, role: a.role }]),
  ),
};
const show = (title: string, directives: Awaited<ReturnType<typeof coordinate>>) => {
  line(`  ${title}`);
  for (const d of directives)
    line(`    ${d.agent.padEnd(17)} ${d.action.padEnd(20)} ${JSON.stringify(d.parameters)}`);
};
show('coder_agent := [rust_coder]', await coordinate(coderSelection, ['rust_coder'], context));
show('reasoning_net := ring', await coordinate(reasoningNet, 'ring', context));
team = setVariableValue(team, 'reasoning_net', 'ring');

// 3. Adaptation: measured performance moves the selection to the best coders.
const metrics = {
  ...emptyMetrics(),
  individualPerformance: { python_coder: 0.41, typescript_coder: 0.87, rust_coder: 0.62 },
};
const adapted = await adapt(coderSelection, metrics);
line(
  `  after measuring the coders, coder_agent adapts: ${JSON.stringify(coderSelection.value)} -> ${JSON.stringify(adapted.value)}`,
);
line();
line(
  `The team value went through ${team.version} transitions; the empty space it started from still has ${Object.keys(empty.agents).length} agents.`,
);
