import {
  addOrchestrationVariable,
  COORDINATION_PATTERNS,
  type CoordinationPattern,
  connectAgents,
  createMultiAgentSpace,
  type FaultRecoveryConfigInput,
  type JsonValue,
  type MultiAgentSpace,
  type OrchestrationVariable,
  type ResourcePool,
} from '@varplane/core';
import type { AnyBehaviour, RunningSpace } from '@varplane/runtime';
import { type AgentizedProgram, agentize } from './agentize';
import { invalidArgument } from './internal/parse-options';
import type { Program } from './program';

/** How a workflow's agents are wired: a pipeline (the default) or a coordination pattern. */
export type WorkflowTopology = 'pipeline' | CoordinationPattern;

/** Options of {@link createWorkflow}. */
export interface WorkflowOptions {
  readonly id: string;
  readonly name?: string;
  /**
   * `pipeline`: `data` edges from each agent to the next, in the order given; a pattern (`star`,
   * `ring`, `mesh`, `broadcast`) lays `coordination` edges over the agents.
   */
  readonly topology?: WorkflowTopology;
  /** The hub of a `star` or `broadcast`. */
  readonly hub?: string;
  /** Orchestration variables over the agents (an `agentSelection` of coders...). */
  readonly orchestrationVariables?: readonly OrchestrationVariable[];
  readonly resourcePool?: Partial<ResourcePool>;
  readonly faultRecovery?: FaultRecoveryConfigInput;
}

/** One agent's step of a {@link Workflow.run}. */
export interface WorkflowStep {
  readonly agentId: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
}

/** What {@link Workflow.run} returns. */
export interface WorkflowResult {
  /** The inputs and every step's outputs, merged (later steps win). */
  readonly values: Readonly<Record<string, unknown>>;
  readonly steps: readonly WorkflowStep[];
  /** Agents not active when their turn came (an agent selection stopped them). */
  readonly skipped: readonly string[];
}

/** Programs as the agents of a space, ready for `startSpace`. */
export interface Workflow {
  readonly space: MultiAgentSpace;
  /** The behaviours `startSpace` needs, by name. */
  readonly behaviours: Readonly<Record<string, AnyBehaviour>>;
  readonly agents: readonly AgentizedProgram[];
  /** Agent ids in the order given (the pipeline's order). */
  readonly order: readonly string[];
  /**
   * Runs inputs through a running space in order: each active agent is called with the values its
   * signature takes (from the inputs and earlier outputs) and the current values of the
   * orchestration variables it follows; agents that are not active are skipped.
   */
  run(
    running: RunningSpace,
    inputs: Readonly<Record<string, unknown>>,
    options?: { readonly runId?: string; readonly timeout?: number },
  ): Promise<WorkflowResult>;
}

// biome-ignore lint/suspicious/noExplicitAny: programs of any input and output type
type AnyProgram = Program<any, any>;
type Entry = AnyProgram | AgentizedProgram;

function isAgentized(entry: Entry): entry is AgentizedProgram {
  return (
    typeof (entry as AgentizedProgram).register === 'function' &&
    (entry as AgentizedProgram).behaviour !== undefined
  );
}

function followedValues(
  space: MultiAgentSpace,
  agent: AgentizedProgram,
): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = {};
  for (const id of agent.coordinationVariables) {
    const variable = space.orchestrationVariables[id];
    if (variable !== undefined) values[id] = variable.value;
  }
  return values;
}

/**
 * Makes programs the agents of a new `MultiAgentSpace`, wired as a pipeline (by default) or by a
 * coordination pattern, with orchestration variables over them. Programs not yet agentized
 * become agents named after the program. Start it with
 * `startSpace(workflow.space, { behaviours: workflow.behaviours })`, then `run` inputs through it.
 *
 * @example
 * const workflow = createWorkflow([planner, pythonCoder, rustCoder, reviewer], {
 *   id: 'software_team',
 *   orchestrationVariables: [agentSelection('coder', { agents: ['python_coder', 'rust_coder'] })],
 * });
 * const team = await startSpace(workflow.space, { behaviours: workflow.behaviours });
 * await team.startAgents();
 * await team.coordinateAgents(); // the unselected coder stops
 * const { values } = await workflow.run(team, { task: 'parse a CSV file' });
 */
export function createWorkflow(programs: readonly Entry[], options: WorkflowOptions): Workflow {
  const subject = 'createWorkflow';
  if (!Array.isArray(programs) || programs.length === 0) {
    invalidArgument(subject, 'programs', 'must list at least one program', programs);
  }
  if (typeof options !== 'object' || options === null)
    invalidArgument(subject, 'options', 'must be an object', options);
  const topology = options.topology ?? 'pipeline';
  if (topology !== 'pipeline' && !COORDINATION_PATTERNS.includes(topology)) {
    invalidArgument(
      subject,
      'options.topology',
      `must be pipeline or one of ${COORDINATION_PATTERNS.join(', ')}`,
      topology,
    );
  }
  const agents = programs.map((entry, i): AgentizedProgram => {
    if (isAgentized(entry)) return entry as AgentizedProgram;
    if (typeof (entry as AnyProgram | null)?.call !== 'function') {
      invalidArgument(
        subject,
        `programs[${i}]`,
        'must be a Program or an agentized program',
        entry,
      );
    }
    return agentize(entry as AnyProgram, {
      agentId: (entry as AnyProgram).name,
    }) as AgentizedProgram;
  });
  const order = agents.map((agent) => agent.agentId);
  order.forEach((id, i) => {
    if (order.indexOf(id) !== i)
      invalidArgument(subject, `programs[${i}]`, `repeats the agent id ${JSON.stringify(id)}`, id);
  });

  let space = createMultiAgentSpace({
    id: options.id,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.resourcePool === undefined ? {} : { resourcePool: options.resourcePool }),
    ...(options.faultRecovery === undefined ? {} : { faultRecovery: options.faultRecovery }),
    topology: topology === 'pipeline' ? 'custom' : topology,
    ...(options.hub === undefined ? {} : { hub: options.hub }),
  });
  for (const agent of agents) space = agent.register(space);
  if (topology === 'pipeline') {
    for (let i = 0; i + 1 < order.length; i++)
      space = connectAgents(space, order[i] as string, order[i + 1] as string, 'data');
  }
  for (const variable of options.orchestrationVariables ?? [])
    space = addOrchestrationVariable(space, variable);

  const behaviours: Record<string, AnyBehaviour> = {};
  for (const agent of agents) behaviours[agent.config.behaviour] = agent.behaviour;

  const workflow: Workflow = {
    space,
    behaviours: Object.freeze(behaviours),
    agents: Object.freeze(agents),
    order: Object.freeze(order),
    async run(running, inputs, runOptions = {}) {
      if (typeof inputs !== 'object' || inputs === null)
        invalidArgument('workflow.run', 'inputs', 'must be an object', inputs);
      const values: Record<string, unknown> = { ...inputs };
      const steps: WorkflowStep[] = [];
      const skipped: string[] = [];
      for (const agent of agents) {
        const current = running.space$.value;
        if (current.agents[agent.agentId]?.status !== 'active') {
          skipped.push(agent.agentId);
          continue;
        }
        const stepInputs: Record<string, unknown> = {};
        for (const field of agent.program.signature.inputFields) {
          if (values[field.name] !== undefined) stepInputs[field.name] = values[field.name];
        }
        const outputs = await running.call<Record<string, unknown>>(
          agent.agentId,
          {
            type: 'run',
            inputs: stepInputs,
            orchestration: followedValues(current, agent),
            ...(runOptions.runId === undefined ? {} : { runId: runOptions.runId }),
          },
          runOptions.timeout === undefined ? {} : { timeout: runOptions.timeout },
        );
        Object.assign(values, outputs);
        steps.push({ agentId: agent.agentId, inputs: stepInputs, outputs });
      }
      return { values, steps, skipped };
    },
  };
  return Object.freeze(workflow);
}
