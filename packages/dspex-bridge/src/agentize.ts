import {
  AGENT_ROLES,
  type AgentConfigInput,
  type AgentRole,
  agentIdSchema,
  createVariableSpace,
  InvalidArgumentError,
  type JsonValue,
  type LanguageModel,
  type LanguageModelUsage,
  type MultiAgentSpace,
  type ResourceRequirements,
  registerAgent,
  type SupervisionSpec,
  type VariableSpace,
  VarplaneError,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import type { AgentContext, Behaviour, DirectiveMessage, SpaceAgentArgs } from '@varplane/runtime';
import { z } from 'zod';
import { isOrchestrated } from './enable-orchestration';
import { invalidArgument, parseOptions } from './internal/parse-options';
import { isLanguageModelRegistry, type LanguageModelRegistry } from './language-model-registry';
import type { Program } from './program';
import type { TraceSink } from './trace';

/** Program variables as the API card names them, and the names programs give them. */
const CARD_VARIABLE_NAMES: ReadonlyMap<string, string> = new Map([
  ['max_tokens', 'maxTokens'],
  ['reasoning_strategy', 'reasoningStrategy'],
]);

/** What an agentized program understands. Send `run` by `call`; the others may be cast. */
export type ProgramAgentMessage =
  /** Runs the program; the reply is its outputs (a failure rejects the call, typed). */
  | {
      readonly type: 'run';
      readonly inputs: Readonly<Record<string, unknown>>;
      readonly runId?: string;
      readonly rolloutId?: string;
      /** The model requests' `seed` (pass the team run's seed, so paired runs pair). */
      readonly seed?: number;
      /** Values of followed orchestration variables, over the ones the agent holds. */
      readonly orchestration?: Readonly<Record<string, JsonValue>>;
    }
  /** Sets some of the program's variables; a call's reply is the new configuration. */
  | { readonly type: 'configure'; readonly configuration: Readonly<Record<string, unknown>> }
  /** New values of followed orchestration variables. */
  | { readonly type: 'orchestration'; readonly values: Readonly<Record<string, JsonValue>> }
  /** A call's reply is the agent's {@link ProgramAgentStatus}. */
  | { readonly type: 'status' }
  | DirectiveMessage;

/** What an agentized program reports about itself. */
export interface ProgramAgentStatus {
  readonly agentId: string;
  readonly configuration: Readonly<Record<string, JsonValue>>;
  readonly orchestration: Readonly<Record<string, JsonValue>>;
  /** Runs answered, and runs that failed. */
  readonly runs: number;
  readonly failures: number;
  /** Tokens and cost the agent's model calls used. */
  readonly usage: LanguageModelUsage;
}

/** An agentized program's state: its current program and counters. */
export interface ProgramAgentState {
  readonly agentId: string;
  // biome-ignore lint/suspicious/noExplicitAny: the program an agent runs, of any input and output
  readonly program: Program<any, any>;
  readonly orchestration: Readonly<Record<string, JsonValue>>;
  readonly runs: number;
  readonly failures: number;
  readonly usage: LanguageModelUsage;
}

/** Options of {@link agentize}. */
export interface AgentizeOptions {
  readonly agentId: string;
  /** Default `executor`. */
  readonly role?: AgentRole;
  /**
   * Orchestration variables the agent follows, besides those `enableOrchestration` gave the
   * program. Their values reach the program's `forward` as `context.orchestration`.
   */
  readonly coordinationVariables?: readonly string[];
  /** The program's variables that are the agent's local variables (default: all of them). */
  readonly localVariables?: readonly string[];
  /** Memory, cpu weight, concurrency, and the agent's token and cost budgets. */
  readonly resources?: Partial<ResourceRequirements>;
  readonly supervision?: Partial<SupervisionSpec>;
  readonly capabilities?: readonly string[];
  /** The behaviour's name in the space (default `dspex:<agentId>`). */
  readonly behaviourName?: string;
  /** Answers the program's requests in place of its own models. */
  readonly lm?: LanguageModel | LanguageModelRegistry;
  /** Receives the trace of every predictor call the agent makes. */
  readonly trace?: TraceSink;
}

/** A program made into an agent: its config for the space and the behaviour that runs it. */
export interface AgentizedProgram<I = Record<string, unknown>, O = Record<string, unknown>> {
  readonly agentId: string;
  readonly program: Program<I, O>;
  /** The agent's config: behaviour, role, resources, interfaces, local configuration. */
  readonly config: AgentConfigInput;
  readonly behaviour: Behaviour<ProgramAgentState, ProgramAgentMessage, SpaceAgentArgs | undefined>;
  /** The agent's local variables: the program's parameters it may be optimized over. */
  readonly localVariables: VariableSpace;
  /** The orchestration variables it follows. */
  readonly coordinationVariables: readonly string[];
  /** The space with this agent registered (with its local variables). */
  register(space: MultiAgentSpace): MultiAgentSpace;
}

/** The message kinds an agentized program understands, as its config's `interfaces`. */
export const PROGRAM_AGENT_INTERFACES = [
  'run',
  'configure',
  'orchestration',
  'status',
  'directive',
] as const;

const optionsSchema = z.strictObject({
  agentId: agentIdSchema,
  role: z.enum(AGENT_ROLES).optional(),
  coordinationVariables: z.array(z.string().min(1)).optional(),
  localVariables: z.array(z.string().min(1)).optional(),
  resources: z.record(z.string(), z.unknown()).optional(),
  supervision: z.record(z.string(), z.unknown()).optional(),
  capabilities: z.array(z.string()).optional(),
  behaviourName: z.string().min(1).optional(),
  lm: z
    .custom<LanguageModel | LanguageModelRegistry>(
      (v) =>
        typeof (v as LanguageModel | null)?.generate === 'function' || isLanguageModelRegistry(v),
      'must be a LanguageModel or a LanguageModelRegistry',
    )
    .optional(),
  trace: z
    .custom<TraceSink>((v) => typeof (v as TraceSink | null)?.record === 'function')
    .optional(),
});

const programSchema = z.custom<Program>(
  (v) =>
    typeof (v as Program | null)?.call === 'function' &&
    typeof (v as Program).withConfig === 'function' &&
    typeof (v as Program).variables?.get === 'function' &&
    typeof (v as Program).configuration === 'object' &&
    typeof (v as Program).signature?.text === 'string',
  'must be a Program',
);

const EMPTY_USAGE: LanguageModelUsage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  totalTokens: 0,
});

function addUsage(total: LanguageModelUsage, usage: LanguageModelUsage): LanguageModelUsage {
  const sum: LanguageModelUsage = {
    inputTokens: total.inputTokens + usage.inputTokens,
    outputTokens: total.outputTokens + usage.outputTokens,
    totalTokens: total.totalTokens + usage.totalTokens,
  };
  if (total.cost !== undefined || usage.cost !== undefined)
    sum.cost = (total.cost ?? 0) + (usage.cost ?? 0);
  return sum;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badMessage(agentId: string, message: unknown): InvalidArgumentError {
  return new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `agent ${JSON.stringify(agentId)}: cannot handle ${describeValue(message)}; messages are ${PROGRAM_AGENT_INTERFACES.join(', ')}`,
    issues: [{ path: 'type', message: 'unknown message', value: message }],
  });
}

/**
 * Makes a program an agent of a multi-agent space: an agent config (behaviour, role, resources and
 * budgets, the program's current values as its local configuration) and the behaviour that runs
 * it. The agent answers `run` calls by running the program, with the orchestration values it
 * follows; `configure` messages and `reconfigure` / `adjustParameters` directives set its
 * variables. Every model response is charged to the agent's token and cost budget through the
 * runtime, so an agent over budget fails with `BUDGET_EXHAUSTED` and its supervisor stops it;
 * other failures reject the call and leave the agent running.
 *
 * @example
 * const coder = agentize(chainOfThought('task -> code', { lm }), {
 *   agentId: 'python_coder',
 *   role: 'executor',
 *   coordinationVariables: ['coder_selection'],
 *   localVariables: ['temperature', 'instruction'],
 *   resources: { tokens: 50_000 },
 * });
 * let space = coder.register(createMultiAgentSpace({ id: 'team' }));
 * const team = await startSpace(space, { behaviours: { [coder.config.behaviour]: coder.behaviour } });
 */
export function agentize<I, O>(
  program: Program<I, O>,
  options: AgentizeOptions,
): AgentizedProgram<I, O> {
  const subject = 'agentize';
  parseOptions(programSchema, program, subject, 'INVALID_ARGUMENT', 'program');
  const parsed = parseOptions(optionsSchema, options, subject);
  const agentId = parsed.agentId;
  const programVariables = program.variables.variables;
  // The card's spellings of program variables (`max_tokens`) name the same variables.
  const localIds = (parsed.localVariables ?? programVariables.map((v) => v.id)).map(
    (id) => CARD_VARIABLE_NAMES.get(id) ?? id,
  );
  localIds.forEach((id, i) => {
    if (program.variables.get(id) === undefined) {
      invalidArgument(
        subject,
        `localVariables[${i}]`,
        `is not a variable of ${program.name}; it has ${programVariables.map((v) => v.id).join(', ') || 'none'}`,
        id,
      );
    }
  });
  const localVariableList = programVariables.filter((v) => localIds.includes(v.id));
  localVariableList.forEach((variable) => {
    const outside = variable.dependencies.find((dep) => !localIds.includes(dep));
    if (outside !== undefined) {
      invalidArgument(
        subject,
        'localVariables',
        `${variable.id} depends on ${outside}, which is not local`,
        localIds,
      );
    }
  });
  const localVariables = createVariableSpace(localVariableList);
  const localConfiguration = Object.fromEntries(
    localVariableList.map((v) => [v.id, program.configuration[v.id] as JsonValue]),
  );
  const followed = Object.freeze([
    ...(isOrchestrated(program) ? program.followedVariables : []),
    ...(parsed.coordinationVariables ?? []).filter(
      (id) => !(isOrchestrated(program) && program.followedVariables.includes(id)),
    ),
  ]);
  const behaviourName = parsed.behaviourName ?? `dspex:${agentId}`;
  const config: AgentConfigInput = {
    id: agentId,
    behaviour: behaviourName,
    role: parsed.role ?? 'executor',
    interfaces: [...PROGRAM_AGENT_INTERFACES],
    capabilities: [
      ...(parsed.capabilities ?? []),
      `program:${program.kind}`,
      `signature:${program.signature.text}`,
    ],
    localConfiguration,
    // The running space then hands the agent these variables' values, at start and on change.
    ...(followed.length === 0 ? {} : { follows: [...followed] }),
    ...(parsed.resources === undefined
      ? {}
      : { resources: parsed.resources as ResourceRequirements }),
    ...(parsed.supervision === undefined
      ? {}
      : { supervision: parsed.supervision as SupervisionSpec }),
  };

  const pickOrchestration = (values: unknown): Record<string, JsonValue> => {
    const out: Record<string, JsonValue> = {};
    if (!isRecord(values)) return out;
    for (const id of followed)
      if (Object.hasOwn(values, id) && values[id] !== undefined) out[id] = values[id] as JsonValue;
    return out;
  };

  const configure = (
    state: ProgramAgentState,
    values: Readonly<Record<string, unknown>>,
  ): ProgramAgentState => {
    const own: Record<string, unknown> = {};
    for (const [id, value] of Object.entries(values)) {
      if (state.program.variables.get(id) !== undefined) own[id] = value;
    }
    return Object.keys(own).length === 0
      ? state
      : { ...state, program: state.program.withConfig(own) };
  };

  const run = async (
    message: Extract<ProgramAgentMessage, { type: 'run' }>,
    state: ProgramAgentState,
    ctx: AgentContext<ProgramAgentMessage>,
  ): Promise<ProgramAgentState> => {
    if (!ctx.isCall) throw badMessage(agentId, { type: 'run', note: 'must be sent by call' });
    const replier = ctx.deferReply();
    let usage = state.usage;
    try {
      const outputs = await state.program.call(message.inputs, {
        agentId,
        orchestration: { ...state.orchestration, ...pickOrchestration(message.orchestration) },
        onUsage(spent) {
          usage = addUsage(usage, spent);
          ctx.spend({
            tokens: spent.totalTokens,
            ...(spent.cost === undefined ? {} : { cost: spent.cost }),
          });
        },
        ...(message.runId === undefined ? {} : { runId: message.runId }),
        ...(message.rolloutId === undefined ? {} : { rolloutId: message.rolloutId }),
        ...(message.seed === undefined ? {} : { seed: message.seed }),
        ...(parsed.lm === undefined ? {} : { lm: parsed.lm }),
        ...(parsed.trace === undefined ? {} : { trace: parsed.trace }),
      });
      replier.resolve(outputs);
      return { ...state, runs: state.runs + 1, usage };
    } catch (error) {
      replier.reject(error);
      // An exhausted budget is the supervisor's to decide on (it stops the agent).
      if (VarplaneError.isInstance(error, 'BUDGET_EXHAUSTED')) throw error;
      return { ...state, runs: state.runs + 1, failures: state.failures + 1, usage };
    }
  };

  const behaviour: AgentizedProgram<I, O>['behaviour'] = {
    name: behaviourName,
    init(args) {
      const given = args?.config?.localConfiguration;
      const configured =
        isRecord(given) && Object.keys(given).length > 0 ? program.withConfig(given) : program;
      return {
        agentId: args?.agentId ?? agentId,
        program: configured,
        orchestration: pickOrchestration(args?.orchestration),
        runs: 0,
        failures: 0,
        usage: EMPTY_USAGE,
      };
    },
    async handle(message, state, ctx) {
      if (typeof message !== 'object' || message === null) throw badMessage(agentId, message);
      switch (message.type) {
        case 'run':
          if (!isRecord(message.inputs)) throw badMessage(agentId, message);
          return run(message, state, ctx);
        case 'configure': {
          if (!isRecord(message.configuration)) throw badMessage(agentId, message);
          const next = configure(state, message.configuration);
          if (ctx.isCall) ctx.reply(next.program.configuration);
          return next;
        }
        case 'orchestration': {
          const next = {
            ...state,
            orchestration: { ...state.orchestration, ...pickOrchestration(message.values) },
          };
          if (ctx.isCall) ctx.reply(next.orchestration);
          return next;
        }
        case 'status': {
          const status: ProgramAgentStatus = {
            agentId: state.agentId,
            configuration: state.program.configuration,
            orchestration: state.orchestration,
            runs: state.runs,
            failures: state.failures,
            usage: state.usage,
          };
          if (ctx.isCall) ctx.reply(status);
          return state;
        }
        case 'directive': {
          const { action, parameters } = message.directive;
          if (action !== 'adjustParameters' && action !== 'reconfigure') return state;
          const next = configure(
            state,
            isRecord(parameters.localConfiguration) ? parameters.localConfiguration : parameters,
          );
          return {
            ...next,
            orchestration: { ...next.orchestration, ...pickOrchestration(parameters) },
          };
        }
        default:
          // Exits of linked agents and anything else a behaviour may meet are not for a program.
          if ((message as { type?: unknown }).type === 'agent-exited') return state;
          throw badMessage(agentId, message);
      }
    },
  };

  return Object.freeze({
    agentId,
    program,
    config,
    behaviour,
    localVariables,
    coordinationVariables: followed,
    register(space: MultiAgentSpace) {
      return registerAgent(space, config, { localVariables });
    },
  });
}
