import type {
  LanguageModelMessage,
  LanguageModelRequest,
  LanguageModelResponse,
  LanguageModelToolCall,
  LanguageModelUsage,
} from '@varplane/core';
import { z } from 'zod';
import { estimatePromptTokens, estimateTokens } from './tokens';

/** What the body builder needs to know about the adapter. */
export interface WireSettings {
  readonly modelId: string;
  readonly maxTokensParameter: 'max_tokens' | 'max_completion_tokens';
  readonly jsonMode: boolean;
  readonly structuredOutput: boolean;
}

const FINISH_REASONS: Readonly<Record<string, LanguageModelResponse['finishReason']>> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
};

/** A provider's finish reason in the port's words; none at all reads as a normal stop. */
export function finishReasonOf(
  reason: string | null | undefined,
): LanguageModelResponse['finishReason'] {
  if (reason === null || reason === undefined) return 'stop';
  return FINISH_REASONS[reason] ?? 'other';
}

function wireMessage(message: LanguageModelMessage): Record<string, unknown> {
  if (message.role === 'tool') {
    return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
  if (
    message.role === 'assistant' &&
    message.toolCalls !== undefined &&
    message.toolCalls.length > 0
  ) {
    return {
      role: 'assistant',
      content: message.content === '' ? null : message.content,
      tool_calls: message.toolCalls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
      })),
    };
  }
  return { role: message.role, content: message.content };
}

/**
 * The `/chat/completions` body for a request, and what was asked that this server cannot do
 * (returned as warnings rather than silently dropped).
 */
export function requestBody(
  request: LanguageModelRequest,
  settings: WireSettings,
  stream: boolean,
): { body: string; warnings: string[] } {
  const warnings: string[] = [];
  const body: Record<string, unknown> = {
    model: settings.modelId,
    messages: request.messages.map(wireMessage),
    stream,
  };
  if (stream) body.stream_options = { include_usage: true };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.maxTokens !== undefined) body[settings.maxTokensParameter] = request.maxTokens;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters,
      },
    }));
    const choice = request.toolChoice;
    if (choice !== undefined) {
      body.tool_choice =
        typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
    }
  }
  if (request.responseFormat === 'json') {
    if (request.responseSchema !== undefined && settings.structuredOutput) {
      body.response_format = {
        type: 'json_schema',
        json_schema: {
          name: request.responseSchema.name,
          schema: request.responseSchema.schema,
          strict: false,
        },
      };
    } else if (settings.jsonMode) {
      body.response_format = { type: 'json_object' };
      if (request.responseSchema !== undefined) {
        warnings.push(
          'responseSchema: this server is not set up for structured output (capabilities.structuredOutput); sent as JSON mode, the schema is not enforced',
        );
      }
    } else {
      warnings.push('responseFormat: this server has no JSON mode; asked for plain text');
    }
  }
  return { body: JSON.stringify(body), warnings };
}

const usageSchema = z
  .object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
    total_tokens: z.number().int().nonnegative().optional(),
  })
  .nullable()
  .optional();

const toolCallSchema = z.object({
  id: z.string().optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string().optional() }),
});

export const completionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable().optional(),
          tool_calls: z.array(toolCallSchema).nullable().optional(),
        }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: usageSchema,
});

/** Usage as reported, or estimated from the text (and marked so) when the server sent none. */
export function usageOf(
  reported: z.infer<typeof usageSchema>,
  request: LanguageModelRequest,
  output: string,
): LanguageModelUsage {
  if (reported !== null && reported !== undefined) {
    return {
      inputTokens: reported.prompt_tokens,
      outputTokens: reported.completion_tokens,
      totalTokens: reported.total_tokens ?? reported.prompt_tokens + reported.completion_tokens,
    };
  }
  const inputTokens = estimatePromptTokens(request.messages);
  const outputTokens = estimateTokens(output);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, estimated: true };
}

/** Tool calls of a completion, with ids made up where a server gave none. */
export function toolCallsOf(
  calls: readonly z.infer<typeof toolCallSchema>[] | null | undefined,
): LanguageModelToolCall[] | undefined {
  if (calls === null || calls === undefined || calls.length === 0) return undefined;
  return calls.map((call, i) => ({
    id: call.id ?? `call_${i}`,
    name: call.function.name,
    arguments: call.function.arguments ?? '{}',
  }));
}

const chunkSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        delta: z
          .object({
            content: z.string().nullable().optional(),
            tool_calls: z
              .array(
                z.object({
                  index: z.number().int().nonnegative().optional(),
                  id: z.string().optional(),
                  function: z
                    .object({ name: z.string().optional(), arguments: z.string().optional() })
                    .optional(),
                }),
              )
              .nullable()
              .optional(),
          })
          .optional(),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .default([]),
  usage: usageSchema,
});

export type CompletionChunk = z.infer<typeof chunkSchema>;

/** Parses one `data:` payload of a streamed completion; an `error` payload is reported as such. */
export function parseChunk(
  data: string,
): { chunk: CompletionChunk } | { error: string } | { invalid: string } {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { invalid: `a stream event is not JSON (got ${JSON.stringify(data.slice(0, 80))})` };
  }
  const error = (json as { error?: { message?: unknown } | string } | null)?.error;
  if (error !== undefined) {
    return { error: typeof error === 'string' ? error : String(error?.message ?? 'error') };
  }
  const result = chunkSchema.safeParse(json);
  if (!result.success) {
    const where = result.error.issues[0];
    return {
      invalid: `a stream event is not a completion chunk: ${where?.path.join('.') || '(event)'}: ${where?.message}`,
    };
  }
  return { chunk: result.data };
}

/** Folds streamed chunks into a response: text, tool calls assembled by index, usage. */
export function createChunkAccumulator(request: LanguageModelRequest, modelId: string) {
  let text = '';
  let model = modelId;
  let finish: string | null | undefined;
  let reported: z.infer<typeof usageSchema>;
  const calls = new Map<number, { id?: string; name: string; arguments: string }>();
  return {
    /** Adds a chunk; returns the text it added. */
    add(chunk: CompletionChunk): string {
      if (chunk.model !== undefined) model = chunk.model;
      if (chunk.usage !== undefined && chunk.usage !== null) reported = chunk.usage;
      let added = '';
      for (const choice of chunk.choices) {
        const delta = choice.delta;
        if (typeof delta?.content === 'string') added += delta.content;
        for (const [position, part] of (delta?.tool_calls ?? []).entries()) {
          const index = part.index ?? position;
          const call = calls.get(index) ?? { name: '', arguments: '' };
          if (part.id !== undefined) call.id = part.id;
          if (part.function?.name !== undefined) call.name += part.function.name;
          if (part.function?.arguments !== undefined) call.arguments += part.function.arguments;
          calls.set(index, call);
        }
        if (choice.finish_reason !== undefined && choice.finish_reason !== null) {
          finish = choice.finish_reason;
        }
      }
      text += added;
      return added;
    },
    toolCalls(): LanguageModelToolCall[] {
      return [...calls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, call]) => ({
          id: call.id ?? `call_${index}`,
          name: call.name,
          arguments: call.arguments === '' ? '{}' : call.arguments,
        }));
    },
    response(): Omit<LanguageModelResponse, 'usage'> & { usage: LanguageModelUsage } {
      const toolCalls = this.toolCalls();
      return {
        text,
        finishReason: finishReasonOf(finish),
        usage: usageOf(reported, request, text + toolCalls.map((c) => c.arguments).join('')),
        modelId: model,
        ...(toolCalls.length === 0 ? {} : { toolCalls }),
      };
    },
  };
}
