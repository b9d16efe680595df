import {
  type Clock,
  createRandom,
  type LanguageModel,
  type LanguageModelCapabilities,
  type LanguageModelRequest,
  type LanguageModelResponse,
  type LanguageModelStreamPart,
  type Random,
  systemClock,
} from '@varplane/core';
import { z } from 'zod';
import type { CostModel } from './cost-model';
import { isLanguageModelError } from './errors';
import { adapterOptionFields, failureFor, retrying } from './internal/adapter-kit';
import { checkRequest } from './internal/check-request';
import { BodyTooLargeError, readBody, serverSentData } from './internal/http-body';
import {
  completionSchema,
  createChunkAccumulator,
  finishReasonOf,
  parseChunk,
  requestBody,
  toolCallsOf,
  usageOf,
} from './internal/openai-wire';
import { parseOptions } from './internal/parse-options';
import { createRedactor } from './internal/redact';
import type { RetryEvent, RetryOptions } from './internal/retry';
import { parseRetryAfter } from './internal/retry-after';

/** Options of {@link createOpenAICompatibleLanguageModel}. */
export interface OpenAICompatibleOptions {
  /** The API root that `/chat/completions` hangs off: `https://api.openai.com/v1`, `http://localhost:11434/v1`. */
  readonly baseURL: string;
  /** The model id sent in every request. */
  readonly model: string;
  /** Sent as `Authorization: Bearer ...`; local servers usually need none. */
  readonly apiKey?: string;
  /** Reported as the model's `provider` (default `openai-compatible`). */
  readonly provider?: string;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per attempt, from sending the request to reading the whole body (default 60 s). */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Called before each retry with the delay it will wait. */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Puts a cost on every usage. */
  readonly costModel?: CostModel;
  /**
   * Default `{ jsonMode: true, structuredOutput: false }`: every server here speaks
   * `response_format: json_object`; turn `structuredOutput` on for servers that take `json_schema`
   * (OpenAI, vLLM, recent Ollama and llama.cpp).
   */
  readonly capabilities?: LanguageModelCapabilities;
  /** OpenAI's reasoning models want `max_completion_tokens`; most servers read `max_tokens` (default). */
  readonly maxTokensParameter?: 'max_tokens' | 'max_completion_tokens';
  /** Larger bodies (and streams) are refused with `LM_RESPONSE_TOO_LARGE` (default 8 MiB). */
  readonly maxResponseBytes?: number;
  /** Times timeouts and backoff (default the system clock). */
  readonly clock?: Clock;
  /** Draws backoff jitter (default seeded from the time). */
  readonly random?: Random;
}

const optionsSchema = z.strictObject({
  baseURL: z.url({ protocol: /^https?$/ }),
  model: z.string().min(1),
  apiKey: z.string().optional(),
  provider: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  ...adapterOptionFields,
  maxTokensParameter: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
  maxResponseBytes: z.number().int().positive().optional(),
});

const TIMEOUT = Symbol('timeout');

/** Responses past this many bytes are refused (`maxResponseBytes`). */
const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as {
      error?: { message?: unknown } | string;
      message?: unknown;
    };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: show the text itself.
  }
  return body.length > 200 ? `${body.slice(0, 197)}...` : body;
}

/**
 * A model behind any server that speaks OpenAI's `/v1/chat/completions`: OpenAI, Ollama, vLLM,
 * llama.cpp's server, LM Studio, proxies. Each attempt has a timeout; rate limits (429), server
 * errors (5xx), timeouts and dropped connections are retried with jittered exponential backoff,
 * honouring `Retry-After`. JSON mode, structured output (a JSON Schema, where `capabilities` says
 * the server takes one) and usage accounting (estimated from characters when the server reports
 * none) are built in. Errors are {@link LanguageModelError}s; the API key never appears in them.
 *
 * @example
 * const lm = createOpenAICompatibleLanguageModel({
 *   baseURL: 'http://localhost:11434/v1',
 *   model: 'llama3.2',
 *   timeoutMs: 30_000,
 *   retry: { maxRetries: 3 },
 * });
 * const reply = await lm.generate({ messages: [{ role: 'user', content: 'Hello' }] });
 */
export function createOpenAICompatibleLanguageModel(
  options: OpenAICompatibleOptions,
): LanguageModel {
  const parsed = parseOptions(optionsSchema, options, 'createOpenAICompatibleLanguageModel');
  const provider = parsed.provider ?? 'openai-compatible';
  const modelId = parsed.model;
  const url = `${parsed.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const target = new URL(url);
  const server = {
    address: target.hostname.replace(/^\[|\]$/g, ''),
    port: Number(target.port || (target.protocol === 'https:' ? 443 : 80)),
  };
  const clock = options.clock ?? systemClock;
  const random = options.random ?? createRandom(Date.now());
  const timeoutMs = parsed.timeoutMs ?? 60_000;
  const maxBytes = parsed.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const capabilities = Object.freeze({
    jsonMode: parsed.capabilities?.jsonMode ?? true,
    structuredOutput: parsed.capabilities?.structuredOutput ?? false,
    toolCalls: parsed.capabilities?.toolCalls ?? true,
    streaming: true,
  });
  const settings = {
    modelId,
    maxTokensParameter: parsed.maxTokensParameter ?? 'max_tokens',
    jsonMode: capabilities.jsonMode,
    structuredOutput: capabilities.structuredOutput,
  } as const;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(parsed.apiKey === undefined ? {} : { authorization: `Bearer ${parsed.apiKey}` }),
    ...parsed.headers,
  };
  const fail = failureFor(provider, modelId, createRedactor(parsed.apiKey));

  const toResponse = (
    text: string,
    request: LanguageModelRequest,
    warnings: readonly string[],
  ): LanguageModelResponse => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      const shown = text.length > 120 ? `${text.slice(0, 117)}...` : text;
      throw fail(
        'LM_INVALID_RESPONSE',
        `response body is not JSON (got ${JSON.stringify(shown)})`,
        { cause: error },
      );
    }
    const result = completionSchema.safeParse(json);
    if (!result.success) {
      const where = result.error.issues[0];
      const path = where?.path.join('.') ?? '';
      throw fail(
        'LM_INVALID_RESPONSE',
        `response is not a chat completion: ${path || '(body)'}: ${where?.message}`,
      );
    }
    const choice = result.data.choices[0] as z.infer<typeof completionSchema>['choices'][number];
    const content = choice.message.content ?? '';
    const toolCalls = toolCallsOf(choice.message.tool_calls);
    const usage = usageOf(
      result.data.usage,
      request,
      content + (toolCalls ?? []).map((c) => c.arguments).join(''),
    );
    return {
      text: content,
      finishReason:
        toolCalls !== undefined && choice.finish_reason == null
          ? 'tool-calls'
          : finishReasonOf(choice.finish_reason),
      usage: parsed.costModel === undefined ? usage : parsed.costModel.withCost(modelId, usage),
      modelId: result.data.model ?? modelId,
      ...(toolCalls === undefined ? {} : { toolCalls }),
      ...(warnings.length === 0 ? {} : { warnings: [...warnings] }),
    };
  };

  const networkFailure = (
    error: unknown,
    request: LanguageModelRequest,
    controller: AbortController,
    phase: string,
  ) => {
    if (error instanceof BodyTooLargeError) {
      return fail('LM_RESPONSE_TOO_LARGE', `${error.message} (maxResponseBytes)`);
    }
    if (request.signal?.aborted)
      return fail('LM_ABORTED', 'the request was aborted', { cause: request.signal.reason });
    if (controller.signal.aborted) {
      return fail('LM_TIMEOUT', `no ${phase} within ${timeoutMs} ms`, {
        retryable: true,
        cause: error,
      });
    }
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return fail('LM_NETWORK_ERROR', `could not reach ${url}: ${reason}`, {
      retryable: true,
      cause: error,
    });
  };

  const statusFailure = (status: number, responseHeaders: Headers, text: string) => {
    const retryAfterMs = parseRetryAfter(responseHeaders, clock.now());
    const extra = {
      status,
      retryable: status === 429 || status === 408 || status >= 500,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
    const detail = serverMessage(text);
    if (status === 429) return fail('LM_RATE_LIMITED', `rate limited (HTTP 429): ${detail}`, extra);
    return fail('LM_HTTP_ERROR', `HTTP ${status}: ${detail}`, extra);
  };

  const linked = (request: LanguageModelRequest, controller: AbortController) =>
    request.signal === undefined
      ? controller.signal
      : AbortSignal.any([request.signal, controller.signal]);

  const attempt = async (
    request: LanguageModelRequest,
    body: string,
    warnings: readonly string[],
  ): Promise<LanguageModelResponse> => {
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(TIMEOUT), timeoutMs);
    let status: number;
    let responseHeaders: Headers;
    let text: string;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...headers, accept: 'application/json' },
        body,
        signal: linked(request, controller),
      });
      status = response.status;
      responseHeaders = response.headers;
      text = await readBody(response, maxBytes);
    } catch (error) {
      throw networkFailure(error, request, controller, 'complete answer');
    } finally {
      clock.clearTimeout(timer);
    }
    if (status >= 200 && status < 300) return toResponse(text, request, warnings);
    throw statusFailure(status, responseHeaders, text);
  };

  const aborted = (request: LanguageModelRequest) =>
    fail('LM_ABORTED', 'the request was aborted before it was sent', {
      cause: request.signal?.reason,
    });

  // Opens the stream: retried like `generate` until the server answers 2xx; what follows is read
  // once, since parts already handed to the caller cannot be taken back.
  const open = async (request: LanguageModelRequest, body: string) => {
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(TIMEOUT), timeoutMs);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...headers, accept: 'text/event-stream' },
        body,
        signal: linked(request, controller),
      });
      if (response.status < 200 || response.status >= 300) {
        const text = await readBody(response, maxBytes).catch(() => '');
        throw statusFailure(response.status, response.headers, text);
      }
      if (response.body === null) throw fail('LM_INVALID_RESPONSE', 'the stream has no body');
      return { response, controller, body: response.body };
    } catch (error) {
      controller.abort();
      if (isLanguageModelError(error)) throw error;
      throw networkFailure(error, request, controller, 'answer');
    } finally {
      clock.clearTimeout(timer);
    }
  };

  async function* stream(input: LanguageModelRequest): AsyncIterable<LanguageModelStreamPart> {
    const request = checkRequest(`${provider} ${modelId} stream`, input);
    if (request.signal?.aborted) throw aborted(request);
    const { body, warnings } = requestBody(request, settings, true);
    const opened = await retrying(() => open(request, body), {
      provider,
      modelId,
      retry: options.retry,
      clock,
      random,
      signal: request.signal,
      onRetry: parsed.onRetry,
    });
    const accumulator = createChunkAccumulator(request, modelId);
    // Each read must make progress within the timeout: a server that stalls mid-stream fails.
    let idle = clock.setTimeout(() => opened.controller.abort(TIMEOUT), timeoutMs);
    try {
      for await (const data of serverSentData(opened.body, maxBytes)) {
        clock.clearTimeout(idle);
        const parsedChunk = parseChunk(data);
        if ('error' in parsedChunk)
          throw fail('LM_HTTP_ERROR', `the stream reported an error: ${parsedChunk.error}`);
        if ('invalid' in parsedChunk) throw fail('LM_INVALID_RESPONSE', parsedChunk.invalid);
        const added = accumulator.add(parsedChunk.chunk);
        if (added !== '') yield { type: 'text-delta', text: added };
        idle = clock.setTimeout(() => opened.controller.abort(TIMEOUT), timeoutMs);
      }
    } catch (error) {
      if (isLanguageModelError(error)) throw error;
      throw networkFailure(error, request, opened.controller, 'stream event');
    } finally {
      clock.clearTimeout(idle);
      // Leaving early (a `break`, an error) cancels the HTTP request.
      opened.controller.abort();
    }
    const response = accumulator.response();
    for (const toolCall of response.toolCalls ?? []) yield { type: 'tool-call', toolCall };
    yield {
      type: 'finish',
      response: {
        ...response,
        usage:
          parsed.costModel === undefined
            ? response.usage
            : parsed.costModel.withCost(modelId, response.usage),
        ...(warnings.length === 0 ? {} : { warnings }),
      },
    };
  }

  return Object.freeze({
    specificationVersion: 'v1' as const,
    provider,
    modelId,
    capabilities,
    server,
    async generate(input: LanguageModelRequest): Promise<LanguageModelResponse> {
      const request = checkRequest(`${provider} ${modelId} generate`, input);
      if (request.signal?.aborted) throw aborted(request);
      const { body, warnings } = requestBody(request, settings, false);
      return retrying(() => attempt(request, body, warnings), {
        provider,
        modelId,
        retry: options.retry,
        clock,
        random,
        signal: request.signal,
        onRetry: parsed.onRetry,
      });
    },
    stream,
  });
}
