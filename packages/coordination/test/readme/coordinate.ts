import {
  addOrchestrationVariable,
  agentSelection,
  coordinate,
  createMultiAgentSpace,
  createVariableSpace,
  float,
  registerAgent,
} from '@varplane/core';

let team = createMultiAgentSpace({ id: 'software_team', topology: 'star' });
const local = createVariableSpace([float('temperature', { range: [0, 2], default: 0.7 })]);
for (const id of ['planner', 'python_coder', 'rust_coder', 'reviewer']) {
  team = registerAgent(team, { id, behaviour: id }, { localVariables: local });
}
const coder = agentSelection('coder', {
  agents: ['python_coder', 'rust_coder'],
  default: ['python_coder'],
});
team = addOrchestrationVariable(team, coder);

// The value of a variable becomes directives for the agents it coordinates.
const directives = await coordinate(coder, ['rust_coder'], {
  agents: {
    python_coder: { status: 'active', role: 'executor' },
    rust_coder: { status: 'inactive', role: 'executor' },
  },
});
console.log(directives.map((d) => `${d.action} ${d.agent}`)); // [ 'stop python_coder', 'start rust_coder' ]
