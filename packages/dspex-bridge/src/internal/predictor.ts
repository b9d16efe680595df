import {
  type Clock,
  type Configuration,
  choice,
  createVariableSpace,
  demos as demosVariable,
  type LanguageModel,
  type LanguageModelMessage,
  type LanguageModelRequest,
  type LanguageModelUsage,
  maxTokens as maxTokensVariable,
  reasoningStrategy as reasoningStrategyVariable,
  systemClock,
  temperature as temperatureVariable,
  text,
  VarplaneError,
} from '@varplane/core';
import { z } from 'zod';
import { LanguageModelError, OutputParseError } from '../errors';
import { type Example, exampleSchema } from '../example';
import { isLanguageModelRegistry, type LanguageModelRegistry } from '../language-model-registry';
import type { CallOptions, Program } from '../program';
import {
  formatInputs,
  formatOutputs,
  formatReminder,
  type ReplyFormat,
  systemMessage,
} from '../prompt-format';
import { parseReply } from '../reply-parser';
import {
  checkSignature,
  signature as makeSignature,
  prependOutputField,
  type Signature,
} from '../signature';
import type { ProgramTrace } from '../trace';
import { callBack } from './callback';
import { checkInputs } from './check-fields';
import { DEFAULT_LM_TIMEOUT_MS, generateContained } from './contained-generate';
import { timeoutSchema } from './deadline';
import {
  checkPartialConfiguration,
  invalidArgument,
  isVarplaneError,
  parseOptions,
  readable,
} from './parse-options';
import { REASONING_FIELD, reasoningSchema } from './reasoning-field';
import { RUN, type RunContext, type RunnableProgram, rootContext } from './run-context';
import { runToolCalls, type ToolCallRecord, type ToolSet } from './tool-runner';

/** Options every predictor takes. */
export interface PredictorOptions {
  /** Shown in errors and used as the agent id of traces by default (default: the kind). */
  readonly name?: string;
  /** The model, or models the `model` variable chooses from. A call's `lm` option overrides it. */
  readonly lm?: LanguageModel | LanguageModelRegistry;
  /** The choices of the `model` variable (default: the registry's ids, or the model's id). */
  readonly models?: readonly string[];
  /** Default of the `temperature` variable, in [0, 2] (default 0.7). */
  readonly temperature?: number;
  /** Default of the `maxTokens` variable (default 1024). */
  readonly maxTokens?: number;
  /** Another name for `maxTokens`, as the API card and OpenAI write it. */
  readonly max_tokens?: number;
  /**
   * Default of the `instruction` variable (default: the signature's instructions, which then stay
   * one of its candidates).
   */
  readonly instruction?: string;
  /** Alternatives of the `instruction` variable, besides the signature's instructions. */
  readonly instructionCandidates?: readonly string[];
  /** Most demos the `demos` variable holds (default 4). */
  readonly maxDemos?: number;
  /** Examples optimizers draw demos from. */
  readonly demoPool?: readonly Example[];
  /** The demos to start with. */
  readonly demos?: readonly Example[];
  /** How replies are asked for (default `json`). */
  readonly format?: ReplyFormat;
  /** Times an unreadable reply is re-asked, with the parse error shown to the model (default 1). */
  readonly parseRetries?: number;
  /**
   * Deadline of one model call, in ms (default 300 000): a model that has not answered by then
   * fails the call with `LM_TIMEOUT`, and the request's signal is aborted.
   */
  readonly timeoutMs?: number;
  /** Stamps traces and times deadlines (default the system clock). */
  readonly clock?: Clock;
}

const fn = (v: unknown) => typeof v === 'function';
export const predictorOptionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  lm: z
    .custom<LanguageModel | LanguageModelRegistry>(
      (v) =>
        typeof (v as LanguageModel | null)?.generate === 'function' || isLanguageModelRegistry(v),
      'must be a LanguageModel or a LanguageModelRegistry',
    )
    .optional(),
  models: z.array(z.string().min(1)).min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.int().positive().optional(),
  max_tokens: z.int().positive().optional(),
  instruction: z.string().min(1).optional(),
  instructionCandidates: z.array(z.string().min(1)).optional(),
  maxDemos: z.int().nonnegative().optional(),
  demoPool: z.array(exampleSchema).optional(),
  demos: z.array(exampleSchema).optional(),
  format: z.enum(['json', 'markers']).optional(),
  parseRetries: z.int().nonnegative().optional(),
  timeoutMs: timeoutSchema.optional(),
  clock: z
    .custom<Clock>(
      (v) =>
        fn((v as Clock | null)?.now) &&
        fn((v as Clock).setTimeout) &&
        fn((v as Clock).clearTimeout),
      'must be a Clock',
    )
    .optional(),
});

/** A predictor's tools and the bounds of its tool loop. */
export interface ToolLoop {
  readonly tools: ToolSet;
  /** Most model calls that may answer with tool calls, the final answer's included. */
  readonly maxSteps: number;
  readonly toolTimeoutMs: number;
}

/**
 * How a predictor with a `reasoningStrategy` variable reasons around its model call: `predict`
 * answers at once, `chain_of_thought` asks for a `reasoning` output first.
 */
export const PREDICTOR_REASONING_STRATEGIES = ['predict', 'chain_of_thought'] as const;
export type PredictorReasoningStrategy = (typeof PREDICTOR_REASONING_STRATEGIES)[number];

/** How a predictor was made; `withConfig` keeps it and changes only the configuration. */
interface PredictorBlueprint<I, O> {
  readonly kind: string;
  readonly name: string;
  readonly signature: Signature<I, O>;
  readonly options: PredictorOptions;
  readonly variables: ReturnType<typeof createVariableSpace>;
  readonly loop: ToolLoop | undefined;
  /** The signature with the reasoning output first, when a `reasoningStrategy` may choose it. */
  readonly reasoned: Signature<I, O> | undefined;
}

function modelIdsOf(options: PredictorOptions): string[] {
  if (options.models !== undefined) return [...options.models];
  if (options.lm === undefined) return ['default'];
  return isLanguageModelRegistry(options.lm) ? [...options.lm.modelIds] : [options.lm.modelId];
}

function variablesOf(
  sig: Signature,
  options: PredictorOptions,
  reasoning: readonly PredictorReasoningStrategy[] | undefined,
  reasoningDefault: PredictorReasoningStrategy,
) {
  const modelIds = modelIdsOf(options);
  const instruction = options.instruction ?? sig.instructions;
  const candidates = [...(options.instructionCandidates ?? []), sig.instructions].filter(
    (c, i, all) => c !== instruction && all.indexOf(c) === i,
  );
  const maxDemos = options.maxDemos ?? 4;
  const initialDemos = options.demos ?? [];
  return createVariableSpace([
    choice('model', { choices: modelIds, description: 'The language model that answers.' }),
    temperatureVariable(options.temperature === undefined ? {} : { default: options.temperature }),
    maxTokensVariable({
      range: [1, Math.max(8192, options.maxTokens ?? 0)],
      default: options.maxTokens ?? 1024,
    }),
    text('instruction', {
      default: instruction,
      candidates,
      minLength: 1,
      description: 'What the model is asked to do.',
    }),
    demosVariable('demos', {
      maxCount: Math.max(maxDemos, initialDemos.length),
      schema: exampleSchema as never,
      pool: (options.demoPool ?? []) as never,
      default: initialDemos as never,
      description: 'Worked examples shown before the inputs.',
    }),
    ...(reasoning === undefined
      ? []
      : [reasoningStrategyVariable({ choices: reasoning, default: reasoningDefault })]),
  ]);
}

function resolveModel(
  source: LanguageModel | LanguageModelRegistry | undefined,
  modelId: string,
  name: string,
): LanguageModel {
  if (source === undefined) {
    throw new LanguageModelError({
      code: 'LM_NOT_CONFIGURED',
      message: `${name}: no language model; pass one as the predictor's \`lm\` option or the call's \`lm\` option`,
      provider: 'none',
      modelId,
    });
  }
  return isLanguageModelRegistry(source) ? source.get(modelId) : source;
}

function addUsage(
  total: LanguageModelUsage | undefined,
  usage: LanguageModelUsage,
): LanguageModelUsage {
  if (total === undefined) return usage;
  const sum: LanguageModelUsage = {
    inputTokens: total.inputTokens + usage.inputTokens,
    outputTokens: total.outputTokens + usage.outputTokens,
    totalTokens: total.totalTokens + usage.totalTokens,
  };
  if (total.cost !== undefined || usage.cost !== undefined)
    sum.cost = (total.cost ?? 0) + (usage.cost ?? 0);
  return sum;
}

function correction(error: OutputParseError, sig: Signature, format: ReplyFormat): string {
  return `Your reply could not be read: ${error.message}\n\n${formatReminder(sig, format)}`;
}

function errorInfo(error: unknown): { code: string; message: string } {
  if (isVarplaneError(error)) return { code: error.code, message: error.message };
  return { code: 'ERROR', message: readable(error) };
}

function readableRecord(value: unknown): Readonly<Record<string, unknown>> {
  try {
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return Object.fromEntries(Object.entries(value));
  } catch {
    // A Proxy or a throwing getter: nothing can be shown.
  }
  return {};
}

function build<I, O>(
  blueprint: PredictorBlueprint<I, O>,
  configuration: Configuration,
): RunnableProgram<I, O> {
  const { kind, name, options, variables, loop } = blueprint;
  // Reasoning first changes what the model is asked for, not what the program returns.
  const reasons =
    configuration.reasoningStrategy === 'chain_of_thought' && blueprint.reasoned !== undefined;
  const sig = (reasons ? blueprint.reasoned : blueprint.signature) as Signature;
  const format = options.format ?? 'json';
  const parseRetries = options.parseRetries ?? 1;
  const clock = options.clock ?? systemClock;
  const deadline = { clock, timeoutMs: options.timeoutMs ?? DEFAULT_LM_TIMEOUT_MS };
  const model = configuration.model as string;
  const temperature = configuration.temperature as number;
  const maxTokens = configuration.maxTokens as number;

  // The configuration is fixed for this instance: its system and demo messages are made once.
  let prefix: LanguageModelMessage[] | undefined;
  const promptPrefix = (): LanguageModelMessage[] => {
    if (prefix !== undefined) return prefix;
    prefix = [
      {
        role: 'system',
        content: systemMessage(sig, configuration.instruction as string, format),
      },
    ];
    for (const demo of configuration.demos as unknown as readonly Example[]) {
      prefix.push({ role: 'user', content: formatInputs(sig, demo.inputs) });
      prefix.push({ role: 'assistant', content: formatOutputs(sig, demo.labels, format) });
    }
    return prefix;
  };
  const reminder = formatReminder(sig, format);

  const run = async (inputs: I, context: RunContext): Promise<O> => {
    const startedAt = clock.now();
    const callOptions = context.options;
    let usage: LanguageModelUsage | undefined;
    let attempts = 0;
    let modelId = model;
    let step = ++context.steps.value;
    let stepStartedAt = startedAt;
    const record = (
      input: Readonly<Record<string, unknown>>,
      output: O | undefined,
      error?: unknown,
      toolCalls?: readonly ToolCallRecord[],
    ) => {
      if (callOptions.trace === undefined) return;
      const trace: ProgramTrace = {
        agentId: context.agentId,
        runId: context.runId,
        step,
        input,
        output: output as Readonly<Record<string, unknown>> | undefined,
        configuration,
        startedAt: stepStartedAt,
        endedAt: clock.now(),
        predictor: context.path,
        modelId,
        attempts,
        ...(usage === undefined ? {} : { usage }),
        ...(error === undefined ? {} : { error: errorInfo(error) }),
        ...(toolCalls === undefined ? {} : { toolCalls }),
      };
      const sink = callOptions.trace;
      callBack(name, 'the trace sink', () => sink.record(trace));
    };

    let values: Readonly<Record<string, unknown>>;
    try {
      values = checkInputs(name, sig, inputs) as Readonly<Record<string, unknown>>;
    } catch (error) {
      // The trace shows what could be read of inputs that did not validate.
      record(readableRecord(inputs), undefined, error);
      throw error;
    }
    try {
      const lm = resolveModel(callOptions.lm ?? options.lm, model, name);
      modelId = lm.modelId;
      const inputText = formatInputs(sig, values);
      const messages = [
        ...promptPrefix(),
        {
          role: 'user' as const,
          content: inputText === '' ? reminder : `${inputText}\n\n${reminder}`,
        },
      ];
      const request: LanguageModelRequest = { messages, temperature, maxTokens };
      if (format === 'json' && lm.capabilities?.jsonMode === true) {
        request.responseFormat = 'json';
        if (lm.capabilities.structuredOutput === true) {
          request.responseSchema = {
            name: 'outputs',
            schema: sig.outputJsonSchema as Record<string, unknown>,
          };
        }
      }
      if (callOptions.signal !== undefined) request.signal = callOptions.signal;
      if (callOptions.rolloutId !== undefined) request.rolloutId = callOptions.rolloutId;
      if (callOptions.seed !== undefined) request.seed = callOptions.seed;
      request.agentId = context.agentId;
      let parseFailures = 0;
      let toolSteps = 0;
      if (loop !== undefined) {
        request.tools = [...loop.tools.definitions];
        // The last step may not call tools: the model must answer with what it has.
        request.toolChoice = loop.maxSteps > 1 ? 'auto' : 'none';
      }
      for (;;) {
        attempts++;
        const response = await generateContained(lm, request, deadline);
        usage = addUsage(usage, response.usage);
        const onUsage = callOptions.onUsage;
        if (onUsage !== undefined)
          callBack(name, 'onUsage', () => onUsage(response.usage, response.modelId));
        const toolCalls = response.toolCalls ?? [];
        if (loop !== undefined && toolCalls.length > 0) {
          toolSteps++;
          if (toolSteps >= loop.maxSteps) {
            throw new VarplaneError({
              code: 'TOOL_STEPS_EXHAUSTED',
              message: `${name}: the model still called tools (${toolCalls.map((c) => c.name).join(', ')}) at step ${toolSteps}, the last of maxSteps ${loop.maxSteps}`,
            });
          }
          const served = await runToolCalls(loop.tools, toolCalls, {
            clock,
            timeoutMs: loop.toolTimeoutMs,
            signal: callOptions.signal,
            agentId: context.agentId,
            runId: context.runId,
            name,
          });
          // Each tool step is a trace of its own, with its usage; the next step starts afresh.
          record(values, undefined, undefined, served.records);
          usage = undefined;
          attempts = 0;
          step = ++context.steps.value;
          stepStartedAt = clock.now();
          request.messages = [
            ...request.messages,
            { role: 'assistant', content: response.text, toolCalls: [...toolCalls] },
            ...served.messages,
          ];
          if (toolSteps + 1 >= loop.maxSteps) request.toolChoice = 'none';
          // A model and tools that answer at once would otherwise chain microtasks for the
          // whole loop: let timers and I/O in between steps.
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
        try {
          const output = parseReply(sig as Signature<unknown, O>, response.text, format);
          // The trace keeps the reasoning; the caller gets the signature's outputs.
          record(values, output);
          if (!reasons) return output;
          const { [REASONING_FIELD]: _reasoning, ...answer } = output as Record<string, unknown>;
          return answer as O;
        } catch (error) {
          if (!(error instanceof OutputParseError)) throw error;
          parseFailures++;
          if (parseFailures > parseRetries) {
            throw new OutputParseError({
              code: error.code,
              message:
                attempts > 1
                  ? `${name}: ${error.message} (after ${attempts} attempts)`
                  : `${name}: ${error.message}`,
              rawText: error.rawText,
              issues: error.issues,
              attempts,
            });
          }
          request.messages = [
            ...request.messages,
            { role: 'assistant', content: response.text },
            { role: 'user', content: correction(error, sig, format) },
          ];
        }
      }
    } catch (error) {
      record(values, undefined, error);
      throw error;
    }
  };

  const program: RunnableProgram<I, O> = {
    kind,
    name,
    signature: blueprint.signature,
    variables,
    configuration,
    predictors: Object.freeze(['']),
    withConfig(partial) {
      const given = checkPartialConfiguration(`${name} withConfig`, partial);
      return build(blueprint, variables.validate({ ...configuration, ...given }));
    },
    async call(inputs, callOptions?: CallOptions) {
      return run(inputs, rootContext(program as Program<unknown, unknown>, callOptions));
    },
    [RUN]: run,
  };
  return Object.freeze(program);
}

/** `max_tokens` read as `maxTokens`; both with different values is refused. */
function withCanonicalNames(kind: string, options: PredictorOptions): PredictorOptions {
  const { max_tokens, ...rest } = options;
  if (max_tokens === undefined) return rest;
  if (rest.maxTokens !== undefined && rest.maxTokens !== max_tokens) {
    invalidArgument(
      kind,
      'max_tokens',
      `is another name for maxTokens, given as ${rest.maxTokens}`,
      max_tokens,
    );
  }
  return { ...rest, maxTokens: max_tokens };
}

/**
 * Makes a predictor of a kind (`predict`, `chain_of_thought`). With `reasoning`, it has a
 * `reasoningStrategy` variable with that default: choices `predict` and `chain_of_thought`, or
 * only `predict` when the signature already has a `reasoning` field.
 */
export function createPredictor<I, O>(
  kind: string,
  sig: Signature<I, O> | string,
  options: PredictorOptions | undefined,
  adapt: (sig: Signature<I, O>) => Signature<I, O> = (s) => s,
  loop?: ToolLoop,
  reasoning?: PredictorReasoningStrategy,
): RunnableProgram<I, O> {
  const parsed = withCanonicalNames(
    kind,
    parseOptions(predictorOptionsSchema, options ?? {}, kind) as PredictorOptions,
  );
  const given =
    typeof sig === 'string'
      ? (makeSignature(sig) as unknown as Signature<I, O>)
      : checkSignature<I, O>(kind, 'signature', sig);
  const adapted = adapt(given);
  const withLm: PredictorOptions = parsed;
  const fieldTaken =
    Object.hasOwn(adapted.outputSchema.shape, REASONING_FIELD) ||
    Object.hasOwn(adapted.inputSchema.shape, REASONING_FIELD);
  if (reasoning === 'chain_of_thought' && fieldTaken) {
    invalidArgument(
      kind,
      'reasoningStrategy',
      `needs the field name "${REASONING_FIELD}", which the signature ${JSON.stringify(adapted.text)} already uses`,
      reasoning,
    );
  }
  const choices: readonly PredictorReasoningStrategy[] | undefined =
    reasoning === undefined ? undefined : fieldTaken ? ['predict'] : PREDICTOR_REASONING_STRATEGIES;
  const variables = variablesOf(adapted as Signature, withLm, choices, reasoning ?? 'predict');
  const blueprint: PredictorBlueprint<I, O> = {
    kind,
    name: parsed.name ?? kind,
    signature: adapted,
    options: withLm,
    variables,
    loop,
    reasoned:
      choices === undefined || fieldTaken
        ? undefined
        : (prependOutputField(adapted, REASONING_FIELD, reasoningSchema) as unknown as Signature<
            I,
            O
          >),
  };
  return build(blueprint, variables.defaults());
}
