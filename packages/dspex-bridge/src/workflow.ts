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
import { z } from 'zod';
import { type AgentizedProgram, agentize } from './agentize';
import { invalidArgument, parseOptions } from './internal/parse-options';
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
  try {
    return (
      typeof (entry as AgentizedProgram | null)?.register === 'function' &&
      typeof (entry as AgentizedProgram).agentId === 'string' &&
      typeof (entry as AgentizedProgram).behaviour === 'object' &&
      typeof (entry as AgentizedProgram).config === 'object'
    );
  } catch {
    return false;
  }
}

const programSchema = z.custom<AnyProgram>(
  // An object: every function has a `call` and a `name` of its own.
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as AnyProgram).call === 'function' &&
    typeof (v as AnyProgram).name === 'string',
  'must be a Program or an agentized program',
);
const runningSchema = z.custom<RunningSpace>(
  (v) =>
    typeof (v as RunningSpace | null)?.call === 'function' &&
    typeof (v as RunningSpace).space$?.value === 'object',
  'must be a RunningSpace',
);
const runOptionsSchema = z.strictObject({
  runId: z.string().min(1).optional(),
  timeout: z
    .int()
    .positive()
    .max(2 ** 31 - 1)
    .optional(),
});
// The space's own fields are checked by createMultiAgentSpace and the transitions.
const optionsSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().optional(),
  topology: z.enum(['pipeline', ...COORDINATION_PATTERNS]).optional(),
  hub: z.string().optional(),
  orchestrationVariables: z.array(z.unknown()).optional(),
  resourcePool: z.record(z.string(), z.unknown()).optional(),
  faultRecovery: z.record(z.string(), z.unknown()).optional(),
});

function followedValues(
  space: MultiAgentSpace,
  agent: AgentizedProgram,
): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = {};
  for (const id of agent.coordinationVariables) {
    if (!Object.hasOwn(space.orchestrationVariables, id)) continue;
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
  const list = parseOptions(
    z.array(z.unknown()).min(1, 'must list at least one program'),
    programs,
    subject,
    'INVALID_ARGUMENT',
    'programs',
  ) as Entry[];
  options = parseOptions(
    optionsSchema,
    options,
    subject,
    'INVALID_ARGUMENT',
    'options',
  ) as WorkflowOptions;
  const topology = options.topology ?? 'pipeline';
  const agents = list.map((entry, i): AgentizedProgram => {
    if (isAgentized(entry)) return entry as AgentizedProgram;
    const program = parseOptions(
      programSchema,
      entry,
      subject,
      'INVALID_ARGUMENT',
      `programs[${i}]`,
    );
    return agentize(program as AnyProgram, { agentId: program.name }) as AgentizedProgram;
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
      parseOptions(runningSchema, running, 'workflow.run', 'INVALID_ARGUMENT', 'running');
      const given = parseOptions(
        z.record(z.string(), z.unknown()),
        inputs,
        'workflow.run',
        'INVALID_ARGUMENT',
        'inputs',
      );
      const checkedOptions = parseOptions(
        runOptionsSchema,
        runOptions,
        'workflow.run',
        'INVALID_ARGUMENT',
        'options',
      ) as { readonly runId?: string; readonly timeout?: number };
      const values: Record<string, unknown> = { ...given };
      const steps: WorkflowStep[] = [];
      const skipped: string[] = [];
      for (const agent of agents) {
        const current = running.space$.value;
        const config = Object.hasOwn(current.agents, agent.agentId)
          ? current.agents[agent.agentId]
          : undefined;
        if (config?.status !== 'active') {
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
            ...(checkedOptions.runId === undefined ? {} : { runId: checkedOptions.runId }),
          },
          checkedOptions.timeout === undefined ? {} : { timeout: checkedOptions.timeout },
        );
        Object.assign(values, outputs);
        steps.push({ agentId: agent.agentId, inputs: stepInputs, outputs });
      }
      return { values, steps, skipped };
    },
  };
  return Object.freeze(workflow);
}
