import {
  type Clock,
  createRandom,
  type LanguageModel,
  type LanguageModelCapabilities,
  type LanguageModelRequest,
  type LanguageModelResponse,
  type LanguageModelStreamPart,
  type LanguageModelToolCall,
  type LanguageModelUsage,
  type Random,
  systemClock,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import type { CostModel } from './cost-model';
import { isLanguageModelError, type LanguageModelError } from './errors';
import { adapterOptionFields, failureFor, retrying } from './internal/adapter-kit';
import {
  type AiSdkCallOptions,
  type AiSdkGenerateResult,
  type AiSdkStreamPart,
  type AiSdkWarning,
  finishReasonOf,
  type TokenCount,
  toCallOptions,
  tokens,
  toolCallsIn,
  warningText,
} from './internal/ai-sdk-wire';
import { checkRequest } from './internal/check-request';
import { parseOptions } from './internal/parse-options';
import { createRedactor } from './internal/redact';
import type { RetryEvent, RetryOptions } from './internal/retry';
import { parseRetryAfter } from './internal/retry-after';
import { estimatePromptTokens, estimateTokens } from './internal/tokens';

export type {
  AiSdkCallOptions,
  AiSdkGenerateResult,
  AiSdkStreamPart,
  AiSdkWarning,
} from './internal/ai-sdk-wire';

/**
 * An AI SDK language model: `LanguageModelV3` from `@ai-sdk/provider` 3 (what every AI SDK 6
 * provider returns: `openai('gpt-4o')`, `anthropic(...)`, `createOpenAICompatible(...)`...), or
 * `LanguageModelV4` from `@ai-sdk/provider` 4 (AI SDK 7, which needs Node 22). Declared here by
 * shape, so this package needs neither `ai` nor `@ai-sdk/provider` at run time; the parts it reads
 * are the same in both versions.
 */
export interface AiSdkLanguageModel {
  readonly specificationVersion: 'v3' | 'v4';
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: AiSdkCallOptions): PromiseLike<AiSdkGenerateResult>;
  doStream?(options: AiSdkCallOptions): PromiseLike<{ stream: ReadableStream<AiSdkStreamPart> }>;
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
      ((v as AiSdkLanguageModel).specificationVersion === 'v3' ||
        (v as AiSdkLanguageModel).specificationVersion === 'v4') &&
      typeof (v as AiSdkLanguageModel).doGenerate === 'function',
    'must be an AI SDK language model (specificationVersion "v3" or "v4", with doGenerate)',
  ),
  ...adapterOptionFields,
});

const INVALID_RESPONSE_ERRORS = new Set([
  'AI_JSONParseError',
  'AI_TypeValidationError',
  'AI_InvalidResponseDataError',
  'AI_EmptyResponseBodyError',
]);

const TIMEOUT = Symbol('timeout');

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
    toolCalls: parsed.capabilities?.toolCalls ?? true,
    streaming: typeof model.doStream === 'function',
  });

  // The adapter never sees the provider's key, but a server may echo the Authorization header in
  // an error body: any `Bearer ...` credential is redacted from messages and causes.
  const fail = failureFor(provider, modelId, createRedactor(undefined));

  const translate = (error: unknown): LanguageModelError => {
    const shape = (typeof error === 'object' && error !== null ? error : {}) as ProviderErrorShape;
    const message = typeof shape.message === 'string' ? shape.message : String(error);
    const name = typeof shape.name === 'string' ? shape.name : '';
    const retryable = shape.isRetryable === true;
    // A 2xx body that is not a completion: the same code as the HTTP adapter's.
    if (typeof shape.statusCode === 'number' && shape.statusCode >= 200 && shape.statusCode < 300) {
      return fail(
        'LM_INVALID_RESPONSE',
        `the provider's response is not a completion: ${message}`,
        {
          status: shape.statusCode,
          cause: error,
        },
      );
    }
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
    // A 2xx body that is not a completion: the same code as the HTTP adapter's.
    if (
      INVALID_RESPONSE_ERRORS.has(name) ||
      (name === 'AI_APICallError' && /Invalid JSON response|Type validation failed/i.test(message))
    ) {
      return fail('LM_INVALID_RESPONSE', `the provider's response did not parse: ${message}`, {
        cause: error,
      });
    }
    if (name === 'AI_APICallError') {
      return fail('LM_NETWORK_ERROR', `could not reach the provider: ${message}`, {
        retryable,
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
    let result: unknown;
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
    return toResponse(request, result);
  };

  // A provider may resolve to anything: read it defensively, and call garbage garbage.
  const toResponse = (request: LanguageModelRequest, result: unknown): LanguageModelResponse => {
    if (
      typeof result !== 'object' ||
      result === null ||
      !Array.isArray((result as AiSdkGenerateResult).content)
    ) {
      throw fail(
        'LM_INVALID_RESPONSE',
        `doGenerate resolved to ${describeValue(result)}, not a result with content`,
      );
    }
    const r = result as AiSdkGenerateResult;
    let text = '';
    for (const part of r.content)
      if (part?.type === 'text') text += typeof part.text === 'string' ? part.text : '';
    // v4 names the text that holds the structured output when it is not all of the text.
    if (request.responseFormat === 'json' && typeof r.structuredOutputText === 'string')
      text = r.structuredOutputText;
    const toolCalls = toolCallsIn(r.content.filter((p) => typeof p === 'object' && p !== null));
    return finish(request, {
      text,
      toolCalls,
      usage: r.usage,
      finishReason: r.finishReason,
      modelId: r.response?.modelId,
      warnings: Array.isArray(r.warnings) ? r.warnings : [],
    });
  };

  const finish = (
    request: LanguageModelRequest,
    parts: {
      text: string;
      toolCalls: readonly LanguageModelToolCall[];
      usage: { inputTokens: TokenCount; outputTokens: TokenCount } | undefined;
      finishReason: unknown;
      modelId: string | undefined;
      warnings: readonly AiSdkWarning[];
    },
  ): LanguageModelResponse => {
    const reportedIn = tokens(parts.usage?.inputTokens);
    const reportedOut = tokens(parts.usage?.outputTokens);
    const inputTokens = reportedIn ?? estimatePromptTokens(request.messages);
    const outputTokens =
      reportedOut ?? estimateTokens(parts.text + parts.toolCalls.map((c) => c.arguments).join(''));
    const usage: LanguageModelUsage = {
      inputTokens,
      outputTokens,
      totalTokens: inputTokens + outputTokens,
      ...(reportedIn === undefined || reportedOut === undefined ? { estimated: true } : {}),
    };
    const warnings = parts.warnings.map(warningText);
    return {
      text: parts.text,
      finishReason: finishReasonOf(parts.finishReason),
      usage: parsed.costModel === undefined ? usage : parsed.costModel.withCost(modelId, usage),
      modelId: typeof parts.modelId === 'string' ? parts.modelId : modelId,
      ...(parts.toolCalls.length === 0 ? {} : { toolCalls: [...parts.toolCalls] }),
      ...(warnings.length === 0 ? {} : { warnings }),
    };
  };

  async function* stream(input: LanguageModelRequest): AsyncIterable<LanguageModelStreamPart> {
    const request = checkRequest(`${provider} ${modelId} stream`, input);
    if (request.signal?.aborted)
      throw fail('LM_ABORTED', 'the request was aborted before it was sent', {
        cause: request.signal.reason,
      });
    const doStream = model.doStream;
    if (typeof doStream !== 'function') {
      // No streaming in this provider: one answer, as parts.
      const response = await generate(request);
      if (response.text !== '') yield { type: 'text-delta', text: response.text };
      for (const toolCall of response.toolCalls ?? []) yield { type: 'tool-call', toolCall };
      yield { type: 'finish', response };
      return;
    }
    const controller = new AbortController();
    const abortSignal =
      request.signal === undefined
        ? controller.signal
        : AbortSignal.any([request.signal, controller.signal]);
    const call = { ...toCallOptions(request, capabilities), abortSignal };
    let reader: ReadableStreamDefaultReader<AiSdkStreamPart> | undefined;
    let text = '';
    const toolCalls: LanguageModelToolCall[] = [];
    let warnings: readonly AiSdkWarning[] = [];
    let answeredBy: string | undefined;
    let finished: Extract<AiSdkStreamPart, { type: 'finish' }> | undefined;
    let idle = clock.setTimeout(() => controller.abort(TIMEOUT), timeoutMs);
    try {
      const opened = await retrying(
        async () => {
          try {
            return await model.doStream!.call(model, call);
          } catch (error) {
            if (request.signal?.aborted)
              throw fail('LM_ABORTED', 'the request was aborted', { cause: request.signal.reason });
            throw translate(error);
          }
        },
        {
          provider,
          modelId,
          retry: options.retry,
          clock,
          random,
          signal: request.signal,
          onRetry: parsed.onRetry,
        },
      );
      if (
        typeof opened !== 'object' ||
        opened === null ||
        typeof opened.stream?.getReader !== 'function'
      ) {
        throw fail(
          'LM_INVALID_RESPONSE',
          `doStream resolved to ${describeValue(opened)}, not { stream }`,
        );
      }
      reader = opened.stream.getReader();
      for (;;) {
        const next = await reader.read();
        clock.clearTimeout(idle);
        idle = clock.setTimeout(() => controller.abort(TIMEOUT), timeoutMs);
        if (next.done) break;
        const part = next.value as AiSdkStreamPart;
        switch (part.type) {
          case 'stream-start':
            warnings = (part as { warnings?: AiSdkWarning[] }).warnings ?? [];
            break;
          case 'text-delta': {
            const delta = (part as { delta: string }).delta;
            if (typeof delta === 'string' && delta !== '') {
              text += delta;
              yield { type: 'text-delta', text: delta };
            }
            break;
          }
          case 'tool-call': {
            const [toolCall] = toolCallsIn([part as AiSdkGenerateResult['content'][number]]);
            if (toolCall !== undefined) {
              toolCalls.push(toolCall);
              yield { type: 'tool-call', toolCall };
            }
            break;
          }
          case 'response-metadata':
            answeredBy = (part as { modelId?: string }).modelId ?? answeredBy;
            break;
          case 'finish':
            finished = part as Extract<AiSdkStreamPart, { type: 'finish' }>;
            break;
          case 'error':
            throw translate((part as { error: unknown }).error);
          default:
            break;
        }
      }
    } catch (error) {
      if (isLanguageModelError(error)) throw error;
      if (request.signal?.aborted)
        throw fail('LM_ABORTED', 'the request was aborted', { cause: request.signal.reason });
      if (controller.signal.aborted)
        throw fail('LM_TIMEOUT', `no stream part within ${timeoutMs} ms`, {
          retryable: true,
          cause: error,
        });
      throw translate(error);
    } finally {
      clock.clearTimeout(idle);
      controller.abort();
      await reader?.cancel().catch(() => {});
    }
    if (finished === undefined)
      throw fail('LM_INVALID_RESPONSE', 'the stream ended without a finish part');
    yield {
      type: 'finish',
      response: finish(request, {
        text,
        toolCalls,
        usage: finished.usage,
        finishReason: finished.finishReason,
        modelId: answeredBy,
        warnings,
      }),
    };
  }

  const generate = async (input: LanguageModelRequest): Promise<LanguageModelResponse> => {
    const request = checkRequest(`${provider} ${modelId} generate`, input);
    if (request.signal?.aborted)
      throw fail('LM_ABORTED', 'the request was aborted before it was sent', {
        cause: request.signal.reason,
      });
    const call = toCallOptions(request, capabilities);
    return retrying(() => attempt(request, call), {
      provider,
      modelId,
      retry: options.retry,
      clock,
      random,
      signal: request.signal,
      onRetry: parsed.onRetry,
    });
  };

  return Object.freeze({
    specificationVersion: 'v1' as const,
    provider,
    modelId,
    capabilities,
    generate,
    ...(typeof model.doStream === 'function' ? { stream } : {}),
  });
}
