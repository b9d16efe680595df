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
import { LanguageModelError } from './errors';
import { adapterOptionFields, failureFor, retrying } from './internal/adapter-kit';
import { checkRequest } from './internal/check-request';
import { parseOptions } from './internal/parse-options';
import type { RetryEvent, RetryOptions } from './internal/retry';
import { parseRetryAfter } from './internal/retry-after';
import { estimatePromptTokens, estimateTokens } from './internal/tokens';

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
});

const completionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable().optional() }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().int().nonnegative(),
      completion_tokens: z.number().int().nonnegative(),
      total_tokens: z.number().int().nonnegative().optional(),
    })
    .nullable()
    .optional(),
});

const FINISH_REASONS: Readonly<Record<string, LanguageModelResponse['finishReason']>> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
};

const TIMEOUT = Symbol('timeout');

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
  const clock = options.clock ?? systemClock;
  const random = options.random ?? createRandom(Date.now());
  const timeoutMs = parsed.timeoutMs ?? 60_000;
  const capabilities = Object.freeze({
    jsonMode: parsed.capabilities?.jsonMode ?? true,
    structuredOutput: parsed.capabilities?.structuredOutput ?? false,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...(parsed.apiKey === undefined ? {} : { authorization: `Bearer ${parsed.apiKey}` }),
    ...parsed.headers,
  };

  const fail = failureFor(provider, modelId);

  const bodyOf = (request: LanguageModelRequest): string => {
    const body: Record<string, unknown> = {
      model: modelId,
      messages: request.messages,
      stream: false,
    };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.maxTokens !== undefined)
      body[parsed.maxTokensParameter ?? 'max_tokens'] = request.maxTokens;
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
    if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
    if (request.stop !== undefined) body.stop = request.stop;
    if (request.seed !== undefined) body.seed = request.seed;
    if (request.responseFormat === 'json') {
      if (request.responseSchema !== undefined && capabilities.structuredOutput) {
        body.response_format = {
          type: 'json_schema',
          json_schema: {
            name: request.responseSchema.name,
            schema: request.responseSchema.schema,
            strict: false,
          },
        };
      } else if (capabilities.jsonMode) {
        body.response_format = { type: 'json_object' };
      }
    }
    return JSON.stringify(body);
  };

  const toResponse = (text: string, request: LanguageModelRequest): LanguageModelResponse => {
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
    const reported = result.data.usage;
    const inputTokens = reported?.prompt_tokens ?? estimatePromptTokens(request.messages);
    const outputTokens = reported?.completion_tokens ?? estimateTokens(content);
    const usage: LanguageModelUsage = {
      inputTokens,
      outputTokens,
      totalTokens: reported?.total_tokens ?? inputTokens + outputTokens,
    };
    const answeredBy = result.data.model ?? modelId;
    return {
      text: content,
      finishReason:
        FINISH_REASONS[choice.finish_reason ?? ''] ??
        (choice.finish_reason == null ? 'stop' : 'other'),
      usage: parsed.costModel === undefined ? usage : parsed.costModel.withCost(modelId, usage),
      modelId: answeredBy,
    };
  };

  const attempt = async (
    request: LanguageModelRequest,
    body: string,
  ): Promise<LanguageModelResponse> => {
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(TIMEOUT), timeoutMs);
    const signal =
      request.signal === undefined
        ? controller.signal
        : AbortSignal.any([request.signal, controller.signal]);
    let status: number;
    let responseHeaders: Headers;
    let text: string;
    try {
      const response = await fetch(url, { method: 'POST', headers, body, signal });
      status = response.status;
      responseHeaders = response.headers;
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted)
        throw fail('LM_ABORTED', 'the request was aborted', { cause: request.signal.reason });
      if (controller.signal.aborted) {
        throw fail('LM_TIMEOUT', `no complete answer within ${timeoutMs} ms`, {
          retryable: true,
          cause: error,
        });
      }
      const reason =
        (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw fail('LM_NETWORK_ERROR', `could not reach ${url}: ${reason}`, {
        retryable: true,
        cause: error,
      });
    } finally {
      clock.clearTimeout(timer);
    }
    if (status >= 200 && status < 300) return toResponse(text, request);
    const retryAfterMs = parseRetryAfter(responseHeaders, clock.now());
    const extra = {
      status,
      retryable: status === 429 || status === 408 || status >= 500,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
    const detail = serverMessage(text);
    if (status === 429) throw fail('LM_RATE_LIMITED', `rate limited (HTTP 429): ${detail}`, extra);
    throw fail('LM_HTTP_ERROR', `HTTP ${status}: ${detail}`, extra);
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
      const body = bodyOf(request);
      return retrying(() => attempt(request, body), {
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
