import {
  type Clock,
  createRandom,
  type LanguageModel,
  type LanguageModelCapabilities,
  type LanguageModelRequest,
  type LanguageModelResponse,
  type LanguageModelUsage,
  type Random,
  systemClock,
} from '@varplane/core';
import { z } from 'zod';
import type { CostModel } from './cost-model';
import type { LanguageModelError } from './errors';
import { adapterOptionFields, failureFor, retrying } from './internal/adapter-kit';
import { checkRequest } from './internal/check-request';
import { parseOptions } from './internal/parse-options';
import type { RetryEvent, RetryOptions } from './internal/retry';
import { parseRetryAfter } from './internal/retry-after';
import { estimatePromptTokens, estimateTokens } from './internal/tokens';

type TextPart = { type: 'text'; text: string };

/** The call options of an AI SDK v6 model (`LanguageModelV3CallOptions`) this adapter sends. */
export interface AiSdkCallOptions {
  prompt: Array<
    | { role: 'system'; content: string }
    | { role: 'user'; content: Array<TextPart> }
    | { role: 'assistant'; content: Array<TextPart> }
  >;
  maxOutputTokens?: number;
  temperature?: number;
  stopSequences?: string[];
  topP?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseFormat?:
    | { type: 'text' }
    | { type: 'json'; schema?: Record<string, unknown>; name?: string };
  seed?: number;
  abortSignal?: AbortSignal;
}

type TokenCount = number | { total: number | undefined } | undefined;

/** The part of an AI SDK v6 generate result (`LanguageModelV3GenerateResult`) this adapter reads. */
export interface AiSdkGenerateResult {
  content: ReadonlyArray<{ type: string; text?: string }>;
  finishReason: string | { unified: string };
  usage: { inputTokens: TokenCount; outputTokens: TokenCount };
  response?: { modelId?: string | undefined } | undefined;
}

/**
 * An AI SDK v6 language model (`LanguageModelV3` from `@ai-sdk/provider`, which every v6 provider
 * returns: `openai('gpt-4o')`, `anthropic(...)`, `createOpenAICompatible(...)`...). Declared here
 * by shape, so this package needs `ai` only where a model is made.
 */
export interface AiSdkLanguageModel {
  readonly specificationVersion: 'v3';
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: AiSdkCallOptions): PromiseLike<AiSdkGenerateResult>;
}

/** Options of {@link createAiSdkLanguageModel}. */
export interface AiSdkAdapterOptions {
  readonly model: AiSdkLanguageModel;
  /** Per attempt (default 60 s). */
  readonly timeoutMs?: number;
  /** Retries of rate limits, 5xx, timeouts and dropped connections (the provider's own `isRetryable`). */
  readonly retry?: RetryOptions;
  readonly onRetry?: (event: RetryEvent) => void;
  readonly costModel?: CostModel;
  /** Default `{ jsonMode: true, structuredOutput: true }`: AI SDK providers take a JSON Schema. */
  readonly capabilities?: LanguageModelCapabilities;
  readonly clock?: Clock;
  readonly random?: Random;
}

const optionsSchema = z.strictObject({
  model: z.custom<AiSdkLanguageModel>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      (v as AiSdkLanguageModel).specificationVersion === 'v3' &&
      typeof (v as AiSdkLanguageModel).doGenerate === 'function',
    'must be an AI SDK v6 language model (specificationVersion "v3" with doGenerate)',
  ),
  ...adapterOptionFields,
});

const FINISH_REASONS: Readonly<Record<string, LanguageModelResponse['finishReason']>> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content-filter',
  error: 'error',
};

const INVALID_RESPONSE_ERRORS = new Set([
  'AI_JSONParseError',
  'AI_TypeValidationError',
  'AI_InvalidResponseDataError',
  'AI_EmptyResponseBodyError',
]);

const TIMEOUT = Symbol('timeout');

function tokens(count: TokenCount): number | undefined {
  return typeof count === 'number' ? count : count?.total;
}

function toPrompt(request: LanguageModelRequest): AiSdkCallOptions['prompt'] {
  return request.messages.map((message) =>
    message.role === 'system'
      ? { role: 'system', content: message.content }
      : { role: message.role, content: [{ type: 'text', text: message.content }] },
  );
}

interface ProviderErrorShape {
  name?: unknown;
  message?: unknown;
  statusCode?: unknown;
  isRetryable?: unknown;
  responseHeaders?: unknown;
}

/**
 * Any AI SDK v6 provider's model as a varplane {@link LanguageModel}: messages and parameters are
 * mapped to `doGenerate`'s call options (JSON mode and a JSON Schema to `responseFormat`), the
 * text parts of the result are joined, and usage is read (or estimated when the provider reports
 * none). Attempts time out on the injected clock; failures the provider marks retryable (429, 5xx,
 * dropped connections) and timeouts are retried with jittered backoff, honouring `Retry-After`.
 * The provider's errors become {@link LanguageModelError}s with the same codes as the HTTP adapter.
 *
 * @example
 * import { createOpenAI } from '@ai-sdk/openai';
 * const lm = createAiSdkLanguageModel({ model: createOpenAI()('gpt-4o-mini') });
 */
export function createAiSdkLanguageModel(options: AiSdkAdapterOptions): LanguageModel {
  const parsed = parseOptions(optionsSchema, options, 'createAiSdkLanguageModel');
  const model = parsed.model;
  const provider = model.provider;
  const modelId = model.modelId;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? createRandom(Date.now());
  const timeoutMs = parsed.timeoutMs ?? 60_000;
  const capabilities = Object.freeze({
    jsonMode: parsed.capabilities?.jsonMode ?? true,
    structuredOutput: parsed.capabilities?.structuredOutput ?? true,
  });

  const fail = failureFor(provider, modelId);

  const translate = (error: unknown): LanguageModelError => {
    const shape = (typeof error === 'object' && error !== null ? error : {}) as ProviderErrorShape;
    const message = typeof shape.message === 'string' ? shape.message : String(error);
    const name = typeof shape.name === 'string' ? shape.name : '';
    const retryable = shape.isRetryable === true;
    if (typeof shape.statusCode === 'number') {
      const status = shape.statusCode;
      const headers = new Headers(
        typeof shape.responseHeaders === 'object' && shape.responseHeaders !== null
          ? (shape.responseHeaders as Record<string, string>)
          : {},
      );
      const retryAfterMs = parseRetryAfter(headers, clock.now());
      const extra = {
        status,
        retryable,
        cause: error,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
      if (status === 429)
        return fail('LM_RATE_LIMITED', `rate limited (HTTP 429): ${message}`, extra);
      return fail('LM_HTTP_ERROR', `HTTP ${status}: ${message}`, extra);
    }
    if (name === 'AI_APICallError') {
      return fail('LM_NETWORK_ERROR', `could not reach the provider: ${message}`, {
        retryable,
        cause: error,
      });
    }
    if (INVALID_RESPONSE_ERRORS.has(name)) {
      return fail('LM_INVALID_RESPONSE', `the provider's response did not parse: ${message}`, {
        cause: error,
      });
    }
    return fail('LM_PROVIDER_ERROR', `the provider failed: ${message}`, {
      retryable,
      cause: error,
    });
  };

  const attempt = async (
    request: LanguageModelRequest,
    call: AiSdkCallOptions,
  ): Promise<LanguageModelResponse> => {
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(TIMEOUT), timeoutMs);
    const abortSignal =
      request.signal === undefined
        ? controller.signal
        : AbortSignal.any([request.signal, controller.signal]);
    let result: AiSdkGenerateResult;
    try {
      result = await Promise.race([
        model.doGenerate({ ...call, abortSignal }),
        // A provider that ignores its abort signal must not hang the caller.
        new Promise<never>((_, reject) => {
          if (abortSignal.aborted) reject(abortSignal.reason);
          abortSignal.addEventListener('abort', () => reject(abortSignal.reason), { once: true });
        }),
      ]);
    } catch (error) {
      if (request.signal?.aborted)
        throw fail('LM_ABORTED', 'the request was aborted', { cause: request.signal.reason });
      if (controller.signal.aborted) {
        throw fail('LM_TIMEOUT', `no complete answer within ${timeoutMs} ms`, {
          retryable: true,
          cause: error,
        });
      }
      throw translate(error);
    } finally {
      clock.clearTimeout(timer);
    }
    let text = '';
    for (const part of result.content) if (part.type === 'text') text += part.text ?? '';
    const inputTokens = tokens(result.usage.inputTokens) ?? estimatePromptTokens(request.messages);
    const outputTokens = tokens(result.usage.outputTokens) ?? estimateTokens(text);
    const usage: LanguageModelUsage = {
      inputTokens,
      outputTokens,
      totalTokens: inputTokens + outputTokens,
    };
    const reason =
      typeof result.finishReason === 'string' ? result.finishReason : result.finishReason.unified;
    return {
      text,
      finishReason: FINISH_REASONS[reason] ?? 'other',
      usage: parsed.costModel === undefined ? usage : parsed.costModel.withCost(modelId, usage),
      modelId: result.response?.modelId ?? modelId,
    };
  };

  return Object.freeze({
    specificationVersion: 'v1' as const,
    provider,
    modelId,
    capabilities,
    async generate(input: LanguageModelRequest): Promise<LanguageModelResponse> {
      const request = checkRequest(`${provider} ${modelId} generate`, input);
      if (request.signal?.aborted)
        throw fail('LM_ABORTED', 'the request was aborted before it was sent', {
          cause: request.signal.reason,
        });
      const call: AiSdkCallOptions = { prompt: toPrompt(request) };
      if (request.maxTokens !== undefined) call.maxOutputTokens = request.maxTokens;
      if (request.temperature !== undefined) call.temperature = request.temperature;
      if (request.stop !== undefined) call.stopSequences = request.stop;
      if (request.topP !== undefined) call.topP = request.topP;
      if (request.presencePenalty !== undefined) call.presencePenalty = request.presencePenalty;
      if (request.frequencyPenalty !== undefined) call.frequencyPenalty = request.frequencyPenalty;
      if (request.seed !== undefined) call.seed = request.seed;
      if (request.responseFormat === 'json' && capabilities.jsonMode) {
        const schema = capabilities.structuredOutput ? request.responseSchema : undefined;
        call.responseFormat =
          schema === undefined
            ? { type: 'json' }
            : { type: 'json', schema: schema.schema, name: schema.name };
      }
      return retrying(() => attempt(request, call), {
        provider,
        modelId,
        retry: options.retry,
        clock,
        random,
        signal: request.signal,
        onRetry: parsed.onRetry,
      });
    },
  });
}
