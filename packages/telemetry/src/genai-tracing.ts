import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  type Meter,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  type Clock,
  type LanguageModel,
  type LanguageModelRequest,
  type LanguageModelResponse,
  type LanguageModelStreamPart,
  languageModelRequestSchema,
  systemClock,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { TelemetryOptionsError } from './errors';
import { isFunction, parseOptions } from './internal/parse';
import { readField } from './internal/read-field';
import type { RunLog, RunLogCall } from './run-log';

/**
 * Spans and metrics for agent turns and LM calls, after the OpenTelemetry GenAI semantic
 * conventions (development status, `gen_ai_latest_experimental`): an agent turn is an INTERNAL
 * `invoke_agent {agent}` span, an LM call a CLIENT `chat {model}` span under it, with
 * `gen_ai.usage.input_tokens` / `output_tokens`, and the `gen_ai.client.token.usage` and
 * `gen_ai.client.operation.duration` histograms. Everything goes through `@opentelemetry/api`:
 * without an SDK the spans are non-recording and cost next to nothing.
 */
export const GEN_AI = {
  OPERATION_NAME: 'gen_ai.operation.name',
  PROVIDER_NAME: 'gen_ai.provider.name',
  AGENT_NAME: 'gen_ai.agent.name',
  AGENT_ID: 'gen_ai.agent.id',
  AGENT_DESCRIPTION: 'gen_ai.agent.description',
  CONVERSATION_ID: 'gen_ai.conversation.id',
  REQUEST_MODEL: 'gen_ai.request.model',
  REQUEST_TEMPERATURE: 'gen_ai.request.temperature',
  REQUEST_MAX_TOKENS: 'gen_ai.request.max_tokens',
  REQUEST_TOP_P: 'gen_ai.request.top_p',
  REQUEST_FREQUENCY_PENALTY: 'gen_ai.request.frequency_penalty',
  REQUEST_PRESENCE_PENALTY: 'gen_ai.request.presence_penalty',
  REQUEST_STOP_SEQUENCES: 'gen_ai.request.stop_sequences',
  REQUEST_SEED: 'gen_ai.request.seed',
  RESPONSE_MODEL: 'gen_ai.response.model',
  RESPONSE_FINISH_REASONS: 'gen_ai.response.finish_reasons',
  USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  TOKEN_TYPE: 'gen_ai.token.type',
  OUTPUT_TYPE: 'gen_ai.output.type',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  ERROR_TYPE: 'error.type',
} as const;

// Bucket boundaries the conventions give for the two client histograms.
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216,
  67_108_864,
];
const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

const AGENT_KEY = createContextKey('varplane.agent');

const functionSchema = z.custom<(...args: never[]) => unknown>(isFunction, 'must be a function');
const objectWith = (methods: readonly string[], what: string) =>
  z.custom<object>(
    (v) => typeof v === 'object' && v !== null && methods.every((m) => isFunction(readField(v, m))),
    `must be ${what}`,
  );
const turnOptionsSchema = z
  .object({
    agent: z.string().min(1),
    agentId: z.string().min(1).optional(),
    description: z.string().optional(),
    conversationId: z.string().optional(),
    provider: z.string().optional(),
    tracer: objectWith(['startSpan'], 'an OpenTelemetry Tracer').optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const behaviourSchema = z.object({ name: z.string().min(1), handle: functionSchema }).passthrough();
const behaviourOptionsSchema = z
  .object({
    tracer: objectWith(['startSpan'], 'an OpenTelemetry Tracer').optional(),
    provider: z.string().optional(),
    conversationId: functionSchema.optional(),
  })
  .strict();
const modelSchema = z
  .object({
    specificationVersion: z.string(),
    provider: z.string(),
    modelId: z.string(),
    generate: functionSchema,
    stream: functionSchema.optional(),
  })
  .passthrough();
const instrumentOptionsSchema = z
  .object({
    agent: z.string().min(1).optional(),
    monitor: objectWith(['recordUsage', 'record'], 'a usage sink (a Monitor)').optional(),
    tracer: objectWith(['startSpan'], 'an OpenTelemetry Tracer').optional(),
    meter: objectWith(['createHistogram'], 'an OpenTelemetry Meter').optional(),
    clock: objectWith(['now'], 'a Clock').optional(),
    calls: objectWith(['recordCall'], 'a call sink (a RunLog)').optional(),
  })
  .strict();

const defaultTracer = () => trace.getTracer('@varplane/telemetry');

function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return '_OTHER';
}

function fail(span: Span, error: unknown): void {
  span.setAttribute(GEN_AI.ERROR_TYPE, errorType(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  if (error instanceof Error) span.recordException(error);
}

/** The turn an LM call happens in: its agent, and its span until it knows its provider. */
interface ActiveTurn {
  readonly agent: string;
  span: Span | undefined;
}

/** The agent of the turn being traced in `ctx`, if any. */
export function activeAgent(ctx: Context = context.active()): string | undefined {
  if (typeof readField(ctx, 'getValue') !== 'function') {
    throw new TelemetryOptionsError({
      code: 'TELEMETRY_INVALID_OPTIONS',
      message: `activeAgent: ctx: must be an OpenTelemetry Context (got ${describeValue(ctx)})`,
      issues: [{ path: 'ctx', message: 'must be an OpenTelemetry Context', value: ctx }],
    });
  }
  return (ctx.getValue(AGENT_KEY) as ActiveTurn | undefined)?.agent;
}

export interface AgentTurnOptions {
  /** The agent's name (`gen_ai.agent.name`); also its id unless `agentId` is given. */
  readonly agent: string;
  readonly agentId?: string;
  readonly description?: string;
  /** Groups the turns of one task or session (`gen_ai.conversation.id`). */
  readonly conversationId?: string;
  /** The GenAI provider or framework (`gen_ai.provider.name`), when there is one. */
  readonly provider?: string;
  /** Default: the global tracer provider's `@varplane/telemetry` tracer. */
  readonly tracer?: Tracer;
  readonly attributes?: Attributes;
}

/**
 * Runs `fn` as one agent turn, inside an INTERNAL `invoke_agent {agent}` span that is active while
 * it runs (LM calls inside become its children). A throw or rejection marks the span failed with
 * `error.type` and passes on unchanged. Works for sync and async `fn`.
 *
 * @example
 * await traceAgentTurn({ agent: 'coder', conversationId: task.id }, () => solve(task));
 */
export function traceAgentTurn<T>(options: AgentTurnOptions, fn: (span: Span) => T): T {
  parseOptions(turnOptionsSchema, options, 'traceAgentTurn');
  parseOptions(functionSchema, fn, 'traceAgentTurn: fn');
  const tracer = options.tracer ?? defaultTracer();
  const parent = context.active();
  const span = tracer.startSpan(
    `invoke_agent ${options.agent}`,
    { kind: SpanKind.INTERNAL, attributes: { [GEN_AI.OPERATION_NAME]: 'invoke_agent' } },
    parent,
  );
  if (span.isRecording()) {
    span.setAttribute(GEN_AI.AGENT_NAME, options.agent);
    span.setAttribute(GEN_AI.AGENT_ID, options.agentId ?? options.agent);
    if (options.description !== undefined)
      span.setAttribute(GEN_AI.AGENT_DESCRIPTION, options.description);
    if (options.conversationId !== undefined)
      span.setAttribute(GEN_AI.CONVERSATION_ID, options.conversationId);
    if (options.provider !== undefined) span.setAttribute(GEN_AI.PROVIDER_NAME, options.provider);
    if (options.attributes !== undefined) span.setAttributes(options.attributes);
  }
  // Without a provider given, the turn takes it from its first LM call (the adapter's provider).
  const turn: ActiveTurn = {
    agent: options.agent,
    span: options.provider === undefined && span.isRecording() ? span : undefined,
  };
  const ctx = trace.setSpan(parent, span).setValue(AGENT_KEY, turn);
  let result: T;
  try {
    result = context.with(ctx, fn, undefined, span);
  } catch (error) {
    fail(span, error);
    span.end();
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        fail(span, error);
        span.end();
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

/** The part of a runtime behaviour {@link traceBehaviour} wraps: its name and `handle`. */
export interface TraceableBehaviour {
  readonly name: string;
  handle(message: never, state: never, ctx: never): unknown;
}

/**
 * The behaviour with every `handle` traced as an agent turn named after the agent (`ctx.self.id`).
 * Use it where a turn is worth a span (an LM agent); plain counters stay on the hot path either way.
 *
 * @example
 * const behaviours = { coder: traceBehaviour(coder, { conversationId: (m) => m.taskId }) };
 */
export function traceBehaviour<B extends TraceableBehaviour>(
  behaviour: B,
  options: {
    tracer?: Tracer;
    provider?: string;
    conversationId?: (message: Parameters<B['handle']>[0]) => string | undefined;
  } = {},
): B {
  parseOptions(behaviourSchema, behaviour, 'traceBehaviour: behaviour');
  parseOptions(behaviourOptionsSchema, options, 'traceBehaviour');
  const handle = behaviour.handle;
  return {
    ...behaviour,
    handle(message: never, state: never, ctx: never) {
      const agent = (ctx as { self?: { id?: string } }).self?.id ?? behaviour.name;
      const conversationId = options.conversationId?.(message);
      return traceAgentTurn(
        {
          agent,
          attributes: { 'varplane.behaviour': behaviour.name },
          ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
          ...(options.provider === undefined ? {} : { provider: options.provider }),
          ...(conversationId === undefined ? {} : { conversationId }),
        },
        () => handle.call(behaviour, message, state, ctx),
      );
    },
  };
}

/** Where an instrumented model reports usage (a {@link Monitor} fits). */
export interface UsageSink {
  recordUsage(agent: string, usage: { tokens?: number; cost?: number }): void;
  record(metric: string, value: number): void;
}

export interface InstrumentOptions {
  /** The agent the calls are charged to; default: the agent of the active turn. */
  readonly agent?: string;
  /** Receives tokens and cost per agent, and `lm_latency_ms` samples. */
  readonly monitor?: UsageSink;
  readonly tracer?: Tracer;
  /** Default: the global meter provider's `@varplane/telemetry` meter. */
  readonly meter?: Meter;
  /** Measures call durations (default: the system clock). */
  readonly clock?: Clock;
  /**
   * Receives every call with its prompt, reply, tokens, latency and error: a {@link RunLog} for
   * the dashboard's run view. A sink that throws is ignored; the call goes on.
   */
  readonly calls?: Pick<RunLog, 'recordCall'>;
}

// The request is read here (agent, settings, messages) before the model sees it: one that is not
// a request is refused, typed, and the model is not called. The model gets the request as it was
// given (its signal included).
function checkRequest(request: unknown, subject: string): void {
  parseOptions(languageModelRequestSchema, request, `${subject}: request`);
}

function requestAttributes(model: LanguageModel, request: LanguageModelRequest): Attributes {
  const a: Attributes = {
    [GEN_AI.OPERATION_NAME]: 'chat',
    [GEN_AI.PROVIDER_NAME]: model.provider,
    [GEN_AI.REQUEST_MODEL]: model.modelId,
  };
  if (request.temperature !== undefined) a[GEN_AI.REQUEST_TEMPERATURE] = request.temperature;
  if (request.maxTokens !== undefined) a[GEN_AI.REQUEST_MAX_TOKENS] = request.maxTokens;
  if (request.topP !== undefined) a[GEN_AI.REQUEST_TOP_P] = request.topP;
  if (request.frequencyPenalty !== undefined)
    a[GEN_AI.REQUEST_FREQUENCY_PENALTY] = request.frequencyPenalty;
  if (request.presencePenalty !== undefined)
    a[GEN_AI.REQUEST_PRESENCE_PENALTY] = request.presencePenalty;
  if (request.stop !== undefined) a[GEN_AI.REQUEST_STOP_SEQUENCES] = request.stop;
  if (request.seed !== undefined) a[GEN_AI.REQUEST_SEED] = request.seed;
  a[GEN_AI.OUTPUT_TYPE] = request.responseFormat === 'json' ? 'json' : 'text';
  if (model.server !== undefined) {
    a[GEN_AI.SERVER_ADDRESS] = model.server.address;
    a[GEN_AI.SERVER_PORT] = model.server.port;
  }
  return a;
}

/**
 * The model with every `generate` traced as a CLIENT `chat {model}` span (a child of the active
 * agent turn), its token usage and duration recorded in the GenAI client histograms, and its
 * tokens and cost charged to the agent in `monitor`.
 *
 * @example
 * const lm = instrumentLanguageModel(createOpenAICompatible({...}), { monitor });
 */
export function instrumentLanguageModel(
  model: LanguageModel,
  options: InstrumentOptions = {},
): LanguageModel {
  parseOptions(modelSchema, model, 'instrumentLanguageModel: model');
  parseOptions(instrumentOptionsSchema, options, 'instrumentLanguageModel');
  const tracer = options.tracer ?? defaultTracer();
  const meter = options.meter ?? metrics.getMeter('@varplane/telemetry');
  const clock = options.clock ?? systemClock;
  const tokenUsage = meter.createHistogram('gen_ai.client.token.usage', {
    description: 'Number of input and output tokens used.',
    unit: '{token}',
    advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
  });
  const duration = meter.createHistogram('gen_ai.client.operation.duration', {
    description: 'GenAI operation duration.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });

  // Starts one call's span and returns how to end it, so `generate` and `stream` trace alike.
  const begin = (request: LanguageModelRequest) => {
    const parent = context.active();
    const turn = parent.getValue(AGENT_KEY) as ActiveTurn | undefined;
    if (turn?.span !== undefined) {
      turn.span.setAttribute(GEN_AI.PROVIDER_NAME, model.provider);
      turn.span = undefined;
    }
    // Accounting never depends on tracing being on: the request names its agent without an SDK.
    const agent = request.agentId ?? options.agent ?? turn?.agent;
    const span = tracer.startSpan(
      `chat ${model.modelId}`,
      { kind: SpanKind.CLIENT, attributes: requestAttributes(model, request) },
      parent,
    );
    const started = clock.now();
    const metricAttributes: Attributes = {
      [GEN_AI.OPERATION_NAME]: 'chat',
      [GEN_AI.PROVIDER_NAME]: model.provider,
      [GEN_AI.REQUEST_MODEL]: model.modelId,
      ...(model.server === undefined
        ? {}
        : {
            [GEN_AI.SERVER_ADDRESS]: model.server.address,
            [GEN_AI.SERVER_PORT]: model.server.port,
          }),
    };
    const report = (outcome: Partial<RunLogCall>) => {
      if (options.calls === undefined) return;
      try {
        options.calls.recordCall({
          ...(agent === undefined ? {} : { agent }),
          provider: model.provider,
          model: model.modelId,
          startedAt: started,
          endedAt: clock.now(),
          prompt: request.messages.map((m) => ({ role: m.role, content: m.content })),
          ...outcome,
        });
      } catch {
        // The run view is an observer: it never fails the call it watches.
      }
    };
    return {
      context: trace.setSpan(parent, span),
      failed(error: unknown) {
        report({
          error: {
            code: errorType(error),
            message: error instanceof Error ? error.message : String(error),
          },
        });
        fail(span, error);
        span.end();
        duration.record((clock.now() - started) / 1_000, {
          ...metricAttributes,
          [GEN_AI.ERROR_TYPE]: errorType(error),
        });
      },
      succeeded(response: LanguageModelResponse) {
        const elapsed = clock.now() - started;
        const { usage } = response;
        report({
          reply: response.text,
          finishReason: response.finishReason,
          usage,
          ...(response.toolCalls === undefined
            ? {}
            : {
                toolCalls: response.toolCalls.map((c) => ({
                  name: c.name,
                  arguments: c.arguments,
                })),
              }),
        });
        span.setAttributes({
          [GEN_AI.RESPONSE_MODEL]: response.modelId,
          [GEN_AI.RESPONSE_FINISH_REASONS]: [response.finishReason],
          [GEN_AI.USAGE_INPUT_TOKENS]: usage.inputTokens,
          [GEN_AI.USAGE_OUTPUT_TOKENS]: usage.outputTokens,
        });
        if (agent !== undefined) span.setAttribute(GEN_AI.AGENT_NAME, agent);
        span.end();
        const done = { ...metricAttributes, [GEN_AI.RESPONSE_MODEL]: response.modelId };
        duration.record(elapsed / 1_000, done);
        tokenUsage.record(usage.inputTokens, { ...done, [GEN_AI.TOKEN_TYPE]: 'input' });
        tokenUsage.record(usage.outputTokens, { ...done, [GEN_AI.TOKEN_TYPE]: 'output' });
        if (options.monitor !== undefined) {
          options.monitor.record('lm_latency_ms', elapsed);
          if (agent !== undefined) {
            options.monitor.recordUsage(agent, {
              tokens: usage.totalTokens,
              ...(usage.cost === undefined ? {} : { cost: usage.cost }),
            });
          }
        }
      },
    };
  };

  const generate = async (request: LanguageModelRequest): Promise<LanguageModelResponse> => {
    checkRequest(request, `${model.modelId}.generate`);
    const call = begin(request);
    let response: LanguageModelResponse;
    try {
      response = await context.with(call.context, () => model.generate(request));
    } catch (error) {
      call.failed(error);
      throw error;
    }
    call.succeeded(response);
    return response;
  };

  const streamOf = model.stream?.bind(model);
  async function* stream(request: LanguageModelRequest): AsyncIterable<LanguageModelStreamPart> {
    checkRequest(request, `${model.modelId}.stream`);
    const call = begin(request);
    let settled = false;
    const settle = (error: unknown) => {
      if (settled) return;
      settled = true;
      call.failed(error);
    };
    try {
      const parts = context.with(call.context, () =>
        (streamOf as NonNullable<typeof streamOf>)(request),
      );
      for await (const part of parts) {
        if (part.type === 'finish' && !settled) {
          settled = true;
          call.succeeded(part.response);
        }
        yield part;
      }
      settle(new Error('the stream ended without a finish part'));
    } catch (error) {
      settle(error);
      throw error;
    } finally {
      // A consumer that left the loop early cancelled the call; its span ends too.
      settle(new Error('the stream was cancelled before it finished'));
    }
  }

  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    ...(model.capabilities === undefined ? {} : { capabilities: model.capabilities }),
    ...(model.server === undefined ? {} : { server: model.server }),
    generate,
    ...(streamOf === undefined ? {} : { stream }),
  };
}
