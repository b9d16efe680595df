import {
  type Clock,
  createRandom,
  type JsonValue,
  type LanguageModel,
  type LanguageModelRequest,
  type LanguageModelResponse,
  type LanguageModelTool,
  type LanguageModelToolCall,
  type LanguageModelUsage,
  type Random,
  systemClock,
} from '@varplane/core';
import { describeValue, idRecord } from '@varplane/core/internal';
import { z } from 'zod';
import type { CostModel } from './cost-model';
import { LanguageModelError } from './errors';
import { type Example, exampleSchema } from './example';
import { abortableDelay } from './internal/abortable-delay';
import { canonicalJson } from './internal/canonical-json';
import { checkRequest } from './internal/check-request';
import { hash32 } from './internal/hash';
import { COMPLETED_MARKER, marker, renderValue } from './internal/markers';
import { parseList, parseOptions, readable } from './internal/parse-options';
import { type ReadPrompt, readPrompt } from './internal/read-prompt';
import {
  defaultDistract,
  placeholder,
  REASONING,
  reasoningText,
  sameValue,
} from './internal/simulated-answers';
import { estimatePromptTokens, estimateTokens } from './internal/tokens';
import {
  accuracyOf,
  formatErrorChance,
  type ProfileLayer,
  profileLayerSchema,
  type ResponseFeatures,
  type ResponseProfile,
  resolveProfile,
} from './simulated-response-model';

type Values = Readonly<Record<string, unknown>>;

const STREAM_CHUNK_CHARS = 16;
type JsonRecord = Readonly<Record<string, JsonValue>>;

/** A kind of task the simulated model can answer, and how to tell its prompts apart. */
export interface SimulatedTask {
  /** Profiles are keyed by it: `arithmetic`, `sentiment`, `python_code`... */
  readonly type: string;
  /** Whether a prompt belongs to this task, from its inputs and instruction (default: all do). */
  readonly matches?: (inputs: Values, instruction: string) => boolean;
  /** The correct outputs, or undefined when the task cannot answer these inputs. */
  readonly solve: (inputs: Values) => JsonRecord | undefined;
  /** A plausible wrong answer (default: each field perturbed by its type). */
  readonly distract?: (inputs: Values, correct: JsonRecord, random: Random) => JsonRecord;
  /**
   * How much a demo helps with these inputs, in [0, 1] (default: 1 when it is this task's and its
   * outputs are correct, else 0).
   */
  readonly relevance?: (demo: { inputs: Values; outputs: Values }, inputs: Values) => number;
  /** This task's own profile, applied after `responseModel.all`. */
  readonly profile?: Partial<ResponseProfile>;
  /**
   * The tools to call before answering, given the tools the request offers and the results of the
   * calls made so far (in order). Return none to answer. Default: never calls a tool.
   */
  readonly callTools?: (
    inputs: Values,
    context: {
      readonly tools: readonly LanguageModelTool[];
      readonly results: readonly { readonly name: string; readonly content: string }[];
    },
  ) => readonly { readonly name: string; readonly arguments: JsonRecord }[];
}

/** Simulated time per call, in ms, spent on the injected clock. All zero by default. */
export interface SimulatedLatency {
  readonly baseMs: number;
  readonly perInputTokenMs: number;
  readonly perOutputTokenMs: number;
  /** Up to this much more, drawn per call. */
  readonly jitterMs: number;
}

/** One simulated model's own profile and latency. */
export interface SimulatedModelProfile extends ProfileLayer {
  readonly latency?: Partial<SimulatedLatency>;
}

/** Options of {@link createSimulatedLanguageModel}. */
export interface SimulatedLanguageModelOptions {
  /** Default `simulated`. */
  readonly modelId?: string;
  /** Every reply is a function of the seed and the request (default 0). */
  readonly seed?: number;
  /** Checked in order; the first that matches a prompt answers it. */
  readonly tasks?: readonly SimulatedTask[];
  /** Overrides for every model (the first layer after the defaults). */
  readonly responseModel?: ProfileLayer;
  /** Per model id: applied after the task's own profile. */
  readonly models?: Readonly<Record<string, SimulatedModelProfile>>;
  /** Per agent id (the request's `agentId`): applied last. */
  readonly agents?: Readonly<Record<string, ProfileLayer>>;
  readonly latency?: Partial<SimulatedLatency>;
  /** Where simulated latency passes (default the system clock; unused at zero latency). */
  readonly clock?: Clock;
  readonly costModel?: CostModel;
  /** The temperature of a request that sets none (default 1, as OpenAI's). */
  readonly defaultTemperature?: number;
}

/** What the simulated model makes of a request before it draws: the response model's inputs and output. */
export interface SimulatedDecision {
  /** The matched task's type; undefined when no task matched. */
  readonly taskType: string | undefined;
  readonly profile: ResponseProfile;
  readonly features: ResponseFeatures;
  /** Chance of a correct answer; 0 when the task cannot answer the inputs. */
  readonly accuracy: number;
  /** Chance of a malformed reply. */
  readonly formatErrorRate: number;
  /** The correct outputs, when the task can answer. */
  readonly expected: JsonRecord | undefined;
}

/**
 * A language model that is a simulation (provider `simulated`). It reads prompts in this
 * package's format, answers each matched task correctly with the probability its response model
 * gives, and otherwise with a plausible wrong answer.
 */
export interface SimulatedLanguageModel extends LanguageModel {
  readonly provider: 'simulated';
  /** The response model's view of a request, without drawing or spending time. */
  inspect(request: LanguageModelRequest): SimulatedDecision;
  /** The same simulation under another model id (so its `models` entry applies). */
  withModelId(modelId: string): SimulatedLanguageModel;
}

const latencySchema = z
  .strictObject({
    baseMs: z.number().nonnegative().optional(),
    perInputTokenMs: z.number().nonnegative().optional(),
    perOutputTokenMs: z.number().nonnegative().optional(),
    jitterMs: z.number().nonnegative().optional(),
  })
  .optional();

const fn = (v: unknown) => typeof v === 'function';
const taskSchema = z.strictObject({
  type: z.string().min(1),
  matches: z.custom<SimulatedTask['matches']>(fn, 'must be a function').optional(),
  solve: z.custom<SimulatedTask['solve']>(fn, 'must be a function'),
  distract: z.custom<SimulatedTask['distract']>(fn, 'must be a function').optional(),
  callTools: z.custom<SimulatedTask['callTools']>(fn, 'must be a function').optional(),
  relevance: z.custom<SimulatedTask['relevance']>(fn, 'must be a function').optional(),
  profile: profileLayerSchema.shape.all.optional(),
});

const optionsSchema = z.strictObject({
  modelId: z.string().min(1).optional(),
  seed: z.int().optional(),
  tasks: z.array(taskSchema).optional(),
  responseModel: profileLayerSchema.optional(),
  models: idRecord(profileLayerSchema.extend({ latency: latencySchema }), {
    key: z.string().min(1),
  }).optional(),
  agents: idRecord(profileLayerSchema, { key: z.string().min(1) }).optional(),
  latency: latencySchema,
  clock: z.custom<Clock>((v) => typeof (v as Clock | null)?.setTimeout === 'function').optional(),
  costModel: z
    .custom<CostModel>((v) => typeof (v as CostModel | null)?.withCost === 'function')
    .optional(),
  defaultTemperature: z.number().min(0).max(2).optional(),
});

/**
 * A simulated language model, for tests, demos and optimizer benchmarks: **not a real model**. It
 * reads prompts in this package's format (instruction, fields, demos, inputs), finds the task
 * they belong to, and answers correctly with probability {@link responseAccuracy} of the task's
 * {@link ResponseProfile} for this model and agent, given the request's temperature, the number
 * of relevant and correct demos, the instruction's keywords, and whether reasoning is asked for.
 * Otherwise it answers with a plausible wrong value; with probability {@link formatErrorRate} the
 * reply is malformed prose. Prompts it cannot answer get typed placeholders.
 *
 * Every reply is a function of the seed, the model id, the agent id and the request (and, when
 * the request carries no `seed` of its own, of how many identical requests came before), so runs
 * replay exactly, in any order and under any concurrency. Token usage is estimated from characters; latency, zero by default, passes on the
 * injected clock.
 *
 * @example
 * const lm = createSimulatedLanguageModel({
 *   seed: 7,
 *   tasks: [{ type: 'arithmetic', solve: ({ question }) => ({ answer: String(evaluate(question)) }) }],
 *   responseModel: { tasks: { arithmetic: { baseAccuracy: 0.7, optimalTemperature: 0 } } },
 *   models: { 'sim-large': { all: { baseAccuracy: 0.9 } } },
 * });
 */
export function createSimulatedLanguageModel(
  options: SimulatedLanguageModelOptions = {},
): SimulatedLanguageModel {
  const parsed = parseOptions(optionsSchema, options, 'createSimulatedLanguageModel');
  // The parsed copy from here on: the caller's object may change, or throw when read again.
  return build(parsed as SimulatedLanguageModelOptions, parsed.modelId ?? 'simulated');
}

function build(options: SimulatedLanguageModelOptions, modelId: string): SimulatedLanguageModel {
  const seed = options.seed ?? 0;
  const tasks = options.tasks ?? [];
  const clock = options.clock ?? systemClock;
  const model = ownEntry(options.models, modelId);
  const latency: SimulatedLatency = {
    baseMs: 0,
    perInputTokenMs: 0,
    perOutputTokenMs: 0,
    jitterMs: 0,
    ...options.latency,
    ...model?.latency,
  };
  const occurrences = new Map<string, number>();

  // Task callbacks are user code and synchronous: a throw, or a promise where a value belongs,
  // is a typed error naming the task and the callback.
  const inTask = <T>(task: SimulatedTask, what: string, call: () => T): T => {
    let value: T;
    try {
      value = call();
    } catch (cause) {
      throw taskFailed(task, `${what} threw: ${readable(cause)}`, cause);
    }
    if (isThenable(value)) {
      // Its rejection, if any, is reported here rather than left unhandled.
      Promise.resolve(value).catch(() => {});
      throw taskFailed(task, `${what} must return synchronously (got a promise)`);
    }
    return value;
  };

  const taskFor = (inputs: Values, instruction: string) =>
    tasks.find(
      (task) =>
        task.matches === undefined ||
        inTask(task, 'matches', () => task.matches?.(inputs, instruction)) === true,
    );

  const demoRelevance = (prompt: ReadPrompt, task: SimulatedTask | undefined): number => {
    let relevant = 0;
    for (const demo of prompt.demos) {
      if (task === undefined || demo.outputs === undefined) continue;
      if (taskFor(demo.inputs, prompt.instruction) !== task) continue;
      if (task.relevance !== undefined) {
        const outputs = demo.outputs;
        const score = inTask(task, 'relevance', () =>
          task.relevance?.({ inputs: demo.inputs, outputs }, prompt.inputs),
        );
        if (typeof score !== 'number' || Number.isNaN(score))
          throw taskFailed(task, `relevance must return a number (got ${describeValue(score)})`);
        relevant += Math.min(1, Math.max(0, score));
        continue;
      }
      const expected = solved(task, demo.inputs);
      const outputs = demo.outputs;
      const correct =
        expected === undefined ||
        prompt.outputFields.every(
          (field) =>
            field.name === REASONING ||
            !(field.name in expected) ||
            sameValue(outputs[field.name], expected[field.name]),
        );
      if (correct) relevant += 1;
    }
    return relevant;
  };

  const decide = (request: LanguageModelRequest, prompt: ReadPrompt): SimulatedDecision => {
    const task = taskFor(prompt.inputs, prompt.instruction);
    const taskType = task?.type;
    const layers = [
      options.responseModel,
      task?.profile === undefined ? undefined : { all: task.profile },
      model,
      request.agentId === undefined ? undefined : ownEntry(options.agents, request.agentId),
    ];
    const profile = resolveProfile(layers, taskType ?? '');
    const relevantDemos = demoRelevance(prompt, task);
    const temperature = request.temperature ?? options.defaultTemperature ?? 1;
    const features: ResponseFeatures = {
      temperature,
      relevantDemos,
      irrelevantDemos: prompt.demos.length - relevantDemos,
      instruction: prompt.instruction,
      reasoning: prompt.outputFields.some((field) => field.name === REASONING),
    };
    const expected = task === undefined ? undefined : solved(task, prompt.inputs);
    return {
      taskType,
      profile,
      features,
      accuracy: expected === undefined ? 0 : accuracyOf(profile, features),
      formatErrorRate: formatErrorChance(profile, temperature),
      expected,
    };
  };

  // A task is user code: what it throws or returns that is not outputs is a typed error.
  const solved = (task: SimulatedTask, inputs: Values): JsonRecord | undefined => {
    const outputs: unknown = inTask(task, 'solve', () => task.solve(inputs));
    if (outputs === undefined) return undefined;
    if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) {
      throw taskFailed(
        task,
        `solve must return the outputs as an object, or undefined (got ${describeValue(outputs)})`,
      );
    }
    return outputs as JsonRecord;
  };

  const taskFailed = (task: SimulatedTask, message: string, cause?: unknown) =>
    new LanguageModelError({
      code: 'LM_PROVIDER_ERROR',
      message: `simulated ${modelId}: task ${task.type}: ${message}`,
      provider: 'simulated',
      modelId,
      ...(cause === undefined ? {} : { cause }),
    });

  // The calls a task asks for at this point of a tool loop, if the request offers tools.
  const toolCallsFor = (
    request: LanguageModelRequest,
    prompt: ReadPrompt,
    random: Random,
  ): LanguageModelToolCall[] => {
    const task = taskFor(prompt.inputs, prompt.instruction);
    if (task?.callTools === undefined || request.tools === undefined || request.tools.length === 0)
      return [];
    if (request.toolChoice === 'none') return [];
    const names = new Map<string, string>();
    const results: { name: string; content: string }[] = [];
    for (const message of request.messages) {
      for (const call of message.toolCalls ?? []) names.set(call.id, call.name);
      if (message.role === 'tool') {
        results.push({
          name: names.get(message.toolCallId as string) ?? 'unknown',
          content: message.content,
        });
      }
    }
    const tools = request.tools;
    const wanted: unknown = inTask(task, 'callTools', () =>
      task.callTools?.(prompt.inputs, { tools, results }),
    );
    if (!Array.isArray(wanted))
      throw taskFailed(task, `callTools must return an array (got ${describeValue(wanted)})`);
    const offered = new Set(request.tools.map((t) => t.name));
    return wanted.map((call: { name?: unknown; arguments?: unknown }, i) => {
      if (typeof call?.name !== 'string' || !offered.has(call.name)) {
        throw taskFailed(
          task,
          `callTools asked for ${describeValue(call?.name)}, which the request does not offer`,
        );
      }
      return {
        id: `call_${Math.floor(random.next() * 0xffffffff).toString(16)}_${i}`,
        name: call.name,
        arguments: JSON.stringify(call.arguments ?? {}),
      };
    });
  };

  const answer = (prompt: ReadPrompt, decision: SimulatedDecision, random: Random): string => {
    const correct = random.next() < decision.accuracy;
    const malformed = random.next() < decision.formatErrorRate;
    const task = taskFor(prompt.inputs, prompt.instruction);
    let values: JsonRecord | undefined = decision.expected;
    if (values !== undefined && !correct) {
      const correctValues = values;
      const distracted =
        task?.distract === undefined
          ? undefined
          : inTask(task, 'distract', () => task.distract?.(prompt.inputs, correctValues, random));
      if (distracted !== undefined && !isRecord(distracted))
        throw taskFailed(
          task as SimulatedTask,
          `distract must return outputs as an object (got ${describeValue(distracted)})`,
        );
      values = distracted ?? defaultDistract(values, prompt.outputFields, random);
    }
    if (!prompt.structured) {
      if (values === undefined) return 'I do not know.';
      if (prompt.format === 'json') return JSON.stringify(values);
      return Object.values(values).map(renderValue).join('\n');
    }
    const outputs: Record<string, JsonValue> = {};
    for (const field of prompt.outputFields) {
      if (field.name === REASONING && values?.[REASONING] === undefined)
        outputs[REASONING] = reasoningText(correct);
      else outputs[field.name] = values?.[field.name] ?? placeholder(field);
    }
    if (malformed) {
      const first = Object.entries(outputs).find(([name]) => name !== REASONING)?.[1] ?? '';
      return `I believe the answer is ${renderValue(first)}.`;
    }
    if (prompt.format === 'json') return JSON.stringify(outputs);
    const blocks = Object.entries(outputs).map(
      ([name, value]) => `${marker(name)}\n${renderValue(value)}`,
    );
    return [...blocks, COMPLETED_MARKER].join('\n\n');
  };

  const aborted = (cause: unknown) =>
    new LanguageModelError({
      code: 'LM_ABORTED',
      message: `simulated ${modelId}: the request was aborted`,
      provider: 'simulated',
      modelId,
      cause,
    });

  const self: SimulatedLanguageModel = {
    specificationVersion: 'v1',
    provider: 'simulated',
    modelId,
    capabilities: Object.freeze({
      jsonMode: true,
      structuredOutput: true,
      toolCalls: true,
      streaming: true,
    }),
    inspect(input) {
      const request = checkRequest(`simulated ${modelId} inspect`, input);
      return decide(request, readPrompt(request.messages, request.responseFormat));
    },
    withModelId(id) {
      parseOptions(z.string().min(1), id, 'withModelId');
      return build(options, id);
    },
    async generate(input) {
      const request = checkRequest(`simulated ${modelId} generate`, input);
      if (request.signal?.aborted) throw aborted(request.signal.reason);
      const prompt = readPrompt(request.messages, request.responseFormat);
      const decision = decide(request, prompt);
      const key = canonicalJson({
        model: modelId,
        agent: request.agentId,
        messages: request.messages,
        temperature: request.temperature,
        seed: request.seed,
        rollout: request.rolloutId,
        format: request.responseFormat,
        tools: request.tools,
      });
      // A request that carries its own seed is answered as a function of it alone, as a seeded
      // provider would: paired runs (a team with and without one agent) then see the same replies.
      // Without one, a repeated request is a new sample.
      const occurrence = request.seed === undefined ? (occurrences.get(key) ?? 0) : 0;
      if (request.seed === undefined) occurrences.set(key, occurrence + 1);
      const random = createRandom(hash32(`${occurrence}\u0000${key}`, seed));
      const toolCalls = toolCallsFor(request, prompt, random);
      let text = toolCalls.length > 0 ? '' : answer(prompt, decision, random);
      let finishReason: LanguageModelResponse['finishReason'] =
        toolCalls.length > 0 ? 'tool-calls' : 'stop';
      let outputTokens = estimateTokens(text + toolCalls.map((c) => c.name + c.arguments).join(''));
      if (request.maxTokens !== undefined && outputTokens > request.maxTokens) {
        text = text.slice(0, request.maxTokens * 4);
        outputTokens = request.maxTokens;
        finishReason = 'length';
      }
      const inputTokens = estimatePromptTokens(request.messages);
      const wait =
        latency.baseMs +
        latency.perInputTokenMs * inputTokens +
        latency.perOutputTokenMs * outputTokens +
        (latency.jitterMs > 0 ? latency.jitterMs * random.next() : 0);
      try {
        await abortableDelay(clock, wait, request.signal);
      } catch (reason) {
        throw aborted(reason);
      }
      const usage: LanguageModelUsage = {
        inputTokens,
        outputTokens,
        totalTokens: inputTokens + outputTokens,
      };
      return {
        text,
        finishReason,
        usage: options.costModel === undefined ? usage : options.costModel.withCost(modelId, usage),
        modelId,
        ...(toolCalls.length === 0 ? {} : { toolCalls }),
      };
    },
    async *stream(input) {
      const response = await self.generate(input);
      const signal = (input as LanguageModelRequest).signal;
      // The answer in pieces of about four tokens, as a server would send them.
      for (let at = 0; at < response.text.length; at += STREAM_CHUNK_CHARS) {
        if (signal?.aborted) throw aborted(signal.reason);
        yield { type: 'text-delta', text: response.text.slice(at, at + STREAM_CHUNK_CHARS) };
      }
      for (const toolCall of response.toolCalls ?? []) yield { type: 'tool-call', toolCall };
      yield { type: 'finish', response };
    },
  };
  return Object.freeze(self);
}

function isThenable(value: unknown): boolean {
  try {
    return (
      (typeof value === 'object' || typeof value === 'function') &&
      value !== null &&
      typeof (value as { then?: unknown }).then === 'function'
    );
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Ids such as `constructor` are ordinary ids: only own entries count.
function ownEntry<T>(record: Readonly<Record<string, T>> | undefined, id: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, id) ? record[id] : undefined;
}

/**
 * A simulated task answered by lookup: the labels of the example whose inputs equal the prompt's.
 * By default it matches the prompts whose inputs are among the examples'.
 *
 * @example
 * const qa = taskFromExamples('trivia', trainset.concat(devset));
 */
export function taskFromExamples(
  type: string,
  examples: readonly Example[],
  options: Omit<Partial<SimulatedTask>, 'type' | 'solve'> = {},
): SimulatedTask {
  const subject = 'taskFromExamples';
  parseOptions(z.string().min(1), type, subject, 'INVALID_ARGUMENT', 'type');
  const items = parseList(exampleSchema, examples, subject, 'INVALID_ARGUMENT', 'examples');
  const extra = parseOptions(
    taskSchema.omit({ type: true, solve: true }),
    options,
    subject,
    'INVALID_ARGUMENT',
    'options',
  ) as Omit<Partial<SimulatedTask>, 'type' | 'solve'>;
  const byInputs = new Map<string, JsonRecord>();
  for (const item of items) byInputs.set(canonicalJson(item.inputs), item.labels as JsonRecord);
  const lookup = (inputs: Values) => byInputs.get(canonicalJson(inputs));
  return {
    matches: (inputs) => lookup(inputs) !== undefined,
    ...extra,
    type,
    solve: lookup,
  };
}
