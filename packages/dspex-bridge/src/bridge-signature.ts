import {
  type AgentRef,
  agentRef,
  type Configuration,
  checkOrchestrationValue,
  type JsonValue,
  LOCAL_NODE,
  type MultiAgentSpace,
  type ResourceRequirements,
  type VariableSpace,
} from '@varplane/core';
import { z } from 'zod';
import type { AgentizedProgram } from './agentize';
import { invalidArgument, parseOptions } from './internal/parse-options';
import type { CallOptions, Program } from './program';

/** How a bridged program takes part in its team (the card's `coordination_interface`). */
export interface CoordinationInterface<I = Record<string, unknown>, O = Record<string, unknown>> {
  /** Orchestration variables of the space the agent follows or is coordinated by. */
  readonly variableSubscriptions: readonly string[];
  /**
   * One per subscription: checks a value against the variable's domain and returns the bridged
   * program following it.
   */
  readonly coordinationCallbacks: Readonly<
    Record<string, (value: JsonValue) => BridgedProgram<I, O>>
  >;
  /** What the agent holds and may spend, from its config in the space. */
  readonly resourceRequirements: ResourceRequirements;
  /** The message kinds it answers and the edge types it takes part in (`call:run`, `data`...). */
  readonly communicationProtocols: readonly string[];
}

/**
 * How the agent's own parameters may be optimized (the card's `local_optimization`). The search
 * itself runs through `@varplane/teleprompters` over the team, whose space holds these variables
 * under the agent's prefix (`coder.temperature`): the bridge runs no optimizer of its own, so it
 * refuses the card's `teleprompter`, `optimization_frequency` and `metric_function`.
 */
export interface LocalOptimization {
  /** True when some local variable is free to move (not frozen). */
  readonly enabled: boolean;
  readonly variables: VariableSpace;
  /** The agent's current local configuration in the space. */
  readonly configuration: Configuration;
}

/** A program bridged into a multi-agent space (the card's `bridged_program`). */
export interface BridgedProgram<I = Record<string, unknown>, O = Record<string, unknown>> {
  readonly originalProgram: Program<I, O>;
  readonly agentRef: AgentRef;
  readonly coordinationInterface: CoordinationInterface<I, O>;
  readonly localOptimization: LocalOptimization;
  /** The orchestration values it follows, from the space (or a coordination callback). */
  readonly orchestration: Readonly<Record<string, JsonValue>>;
  /** Runs the program configured as the agent is, following the orchestration values. */
  call(inputs: I, options?: CallOptions): Promise<O>;
}

/** Options of {@link bridgeSignature}. */
export interface BridgeSignatureOptions {
  /** Which agent of the space runs the program (default: the agentized program's id). */
  readonly agentId?: string;
}

// The card's local-optimization fields, read only to refuse them by name.
const LOCAL_OPTIMIZATION_FIELDS = ['teleprompter', 'optimizationFrequency', 'metric'] as const;

const optionsSchema = z.strictObject({
  agentId: z.string().min(1).optional(),
  teleprompter: z.unknown().optional(),
  optimizationFrequency: z.unknown().optional(),
  metric: z.unknown().optional(),
});

const isProgram = (v: unknown) =>
  typeof (v as Program | null)?.call === 'function' &&
  typeof (v as Program).withConfig === 'function' &&
  typeof (v as Program).signature === 'object';
const bridgeableSchema = z.custom<Program | AgentizedProgram>(
  (v) =>
    isProgram(v) ||
    (typeof (v as AgentizedProgram | null)?.register === 'function' &&
      typeof (v as AgentizedProgram).agentId === 'string' &&
      isProgram((v as AgentizedProgram).program)),
  'must be a Program or an agentized program',
);
const spaceSchema = z.custom<MultiAgentSpace>(
  (v) =>
    typeof (v as MultiAgentSpace | null)?.agents === 'object' &&
    typeof (v as MultiAgentSpace).orchestrationVariables === 'object' &&
    typeof (v as MultiAgentSpace).localVariables === 'object' &&
    Array.isArray((v as MultiAgentSpace).coordinationGraph?.edges),
  'must be a MultiAgentSpace',
);

function isAgentized<I, O>(
  value: Program<I, O> | AgentizedProgram<I, O>,
): value is AgentizedProgram<I, O> {
  return typeof (value as AgentizedProgram<I, O>).register === 'function';
}

/**
 * Bridges a program (by its signature, the contract it keeps) into a multi-agent space: which
 * agent runs it, which orchestration variables it subscribes to, how each variable's value
 * reaches it, what it may spend, which protocols it speaks, and how its own parameters may be
 * optimized. `call` runs it exactly as the agent would: with the agent's local configuration from
 * the space and the current values of the variables it follows.
 *
 * @example
 * const bridged = bridgeSignature(coderAgent, workflow.space);
 * bridged.coordinationInterface.variableSubscriptions; // ['coder']
 * const asRust = bridged.coordinationInterface.coordinationCallbacks.coder(['rust_coder']);
 * await asRust.call({ task: 'parse a CSV file' });
 */
export function bridgeSignature<I, O>(
  program: Program<I, O> | AgentizedProgram<I, O>,
  space: MultiAgentSpace,
  options: BridgeSignatureOptions = {},
): BridgedProgram<I, O> {
  const subject = 'bridgeSignature';
  const parsed = parseOptions(optionsSchema, options, subject);
  for (const field of LOCAL_OPTIMIZATION_FIELDS) {
    if (parsed[field] === undefined) continue;
    invalidArgument(
      subject,
      `options.${field}`,
      "is not supported: a bridged program runs no optimizer of its own; optimize the team with @varplane/teleprompters (simba, beacon, bootstrapFewShot), whose search space holds the agent's local variables",
      parsed[field],
      'LOCAL_OPTIMIZATION_UNSUPPORTED',
    );
  }
  parseOptions(bridgeableSchema, program, subject, 'INVALID_ARGUMENT', 'program');
  parseOptions(spaceSchema, space, subject, 'INVALID_ARGUMENT', 'space');
  const agentized = isAgentized(program) ? program : undefined;
  const original = agentized?.program ?? (program as Program<I, O>);
  const agentId = parsed.agentId ?? agentized?.agentId;
  if (agentId === undefined) {
    invalidArgument(
      subject,
      'options.agentId',
      'is needed for a program that is not agentized',
      agentId,
    );
  }
  // Ids such as `constructor` are ordinary ids: only own entries count.
  const config = Object.hasOwn(space.agents, agentId) ? space.agents[agentId] : undefined;
  if (config === undefined) {
    invalidArgument(
      subject,
      'options.agentId',
      `names no agent of space ${JSON.stringify(space.id)}; agents: ${Object.keys(space.agents).join(', ') || '(none)'}`,
      agentId,
    );
  }
  const subscriptions = [
    ...(agentized?.coordinationVariables ?? []),
    ...Object.values(space.orchestrationVariables)
      .filter((variable) => variable.agents.includes(agentId))
      .map((variable) => variable.id),
  ].filter(
    (id, i, all) => all.indexOf(id) === i && Object.hasOwn(space.orchestrationVariables, id),
  );
  const protocols = [
    ...config.interfaces.map((kind) =>
      kind === 'run' || kind === 'status' ? `call:${kind}` : `cast:${kind}`,
    ),
    ...space.coordinationGraph.edges
      .filter((edge) => edge.from === agentId || edge.to === agentId)
      .map((edge) => edge.type),
  ].filter((protocol, i, all) => all.indexOf(protocol) === i);

  const localVariables =
    (Object.hasOwn(space.localVariables, agentId) ? space.localVariables[agentId] : undefined) ??
    original.variables;
  const localConfiguration = localVariables.validate(config.localConfiguration);
  const configured =
    Object.keys(localConfiguration).length === 0
      ? original
      : original.withConfig(localConfiguration);

  const build = (orchestration: Readonly<Record<string, JsonValue>>): BridgedProgram<I, O> => {
    const callbacks: Record<string, (value: JsonValue) => BridgedProgram<I, O>> =
      Object.create(null);
    for (const id of subscriptions) {
      callbacks[id] = (value) => {
        const variable = space.orchestrationVariables[id];
        const checked = variable === undefined ? value : checkOrchestrationValue(variable, value);
        return build({ ...orchestration, [id]: checked as JsonValue });
      };
    }
    const bridged: BridgedProgram<I, O> = {
      originalProgram: original,
      agentRef: agentRef(agentId, LOCAL_NODE),
      coordinationInterface: Object.freeze({
        variableSubscriptions: Object.freeze(subscriptions),
        coordinationCallbacks: Object.freeze(callbacks),
        resourceRequirements: config.resources,
        communicationProtocols: Object.freeze(protocols),
      }),
      localOptimization: Object.freeze({
        enabled: localVariables.variables.some((variable) => variable.hints.frozen !== true),
        variables: localVariables,
        configuration: localConfiguration,
      }),
      orchestration: Object.freeze({ ...orchestration }),
      call(inputs, callOptions = {}) {
        return configured.call(inputs, {
          agentId,
          ...callOptions,
          orchestration: { ...orchestration, ...callOptions.orchestration },
        });
      },
    };
    return Object.freeze(bridged);
  };

  const current: Record<string, JsonValue> = {};
  for (const id of subscriptions) {
    const variable = space.orchestrationVariables[id];
    if (variable !== undefined) current[id] = variable.value;
  }
  return build(current);
}
