import { z } from 'zod';

/**
 * The port every language model adapter implements (`@varplane/dspex-bridge` ships adapters for
 * OpenAI-compatible servers, the AI SDK, a simulated model and a record/replay cache).
 */
export interface LanguageModel {
  readonly specificationVersion: 'v1';
  /** `openai`, `ollama`, `simulated`... */
  readonly provider: string;
  readonly modelId: string;
  /** What the model supports beyond plain text; absent means none of it. */
  readonly capabilities?: LanguageModelCapabilities;
  /** Where an HTTP adapter sends its requests (`server.address`/`server.port` on traces). */
  readonly server?: { readonly address: string; readonly port: number };
  generate(request: LanguageModelRequest): Promise<LanguageModelResponse>;
  /**
   * The answer as it is produced: text deltas and tool calls, then one `finish` part with the
   * whole response (usage included). The iterator is pulled, so a slow consumer slows the read
   * of the provider's stream (back-pressure); `request.signal`, or leaving the loop early, cancels
   * the request. Adapters without streaming leave it out; callers fall back to `generate`.
   */
  stream?(request: LanguageModelRequest): AsyncIterable<LanguageModelStreamPart>;
}

/** One part of a streamed answer; the last part of a stream that did not fail is `finish`. */
export type LanguageModelStreamPart =
  | { readonly type: 'text-delta'; readonly text: string }
  | { readonly type: 'tool-call'; readonly toolCall: LanguageModelToolCall }
  | { readonly type: 'finish'; readonly response: LanguageModelResponse };

/** Optional features of a model, so callers ask only for what it can do. */
export interface LanguageModelCapabilities {
  /** Honours `responseFormat: 'json'` (a JSON object answer). */
  readonly jsonMode?: boolean;
  /** Honours `responseSchema` (an answer that follows a JSON Schema). */
  readonly structuredOutput?: boolean;
  /** Honours `tools` (answers with tool calls). */
  readonly toolCalls?: boolean;
  /** Has `stream()`. */
  readonly streaming?: boolean;
}

/** A call the model asks for; `arguments` is the JSON text the model wrote. */
export const languageModelToolCallSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});

/** A tool the model may call: a name, what it does, and a JSON Schema of its arguments. */
export const languageModelToolSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()),
});

export const languageModelMessageSchema = z
  .object({
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: z.string(),
    /** On an assistant message: the tool calls it made. */
    toolCalls: z.array(languageModelToolCallSchema).optional(),
    /** On a tool message: the call it answers. */
    toolCallId: z.string().min(1).optional(),
  })
  .refine((m) => m.role !== 'tool' || m.toolCallId !== undefined, {
    message: 'a tool message needs the toolCallId it answers',
    path: ['toolCallId'],
  })
  .refine((m) => m.toolCalls === undefined || m.role === 'assistant', {
    message: 'only assistant messages carry toolCalls',
    path: ['toolCalls'],
  });

export const languageModelRequestSchema = z.object({
  messages: z.array(languageModelMessageSchema).min(1, 'needs at least one message'),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().optional(),
  topP: z.number().min(0).max(1).optional(),
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  presencePenalty: z.number().min(-2).max(2).optional(),
  stop: z.array(z.string()).optional(),
  seed: z.number().int().optional(),
  /** Ask for a JSON object answer where the provider supports it. */
  responseFormat: z.enum(['text', 'json']).optional(),
  /**
   * With `responseFormat: 'json'`: the JSON Schema the answer must follow, where the model supports
   * structured output (`capabilities.structuredOutput`); other models get plain JSON mode.
   */
  responseSchema: z
    .object({ name: z.string().min(1), schema: z.record(z.string(), z.unknown()) })
    .optional(),
  /** Tools the model may call (where `capabilities.toolCalls`). */
  tools: z.array(languageModelToolSchema).optional(),
  /** `auto` (the default with tools), `none`, `required`, or one tool by name. */
  toolChoice: z
    .union([z.enum(['auto', 'none', 'required']), z.object({ name: z.string().min(1) })])
    .optional(),
  /**
   * Tells apart repeated samples of the same request (record/replay caches key on it). Never sent
   * to a provider.
   */
  rolloutId: z.string().optional(),
  /** The agent making the call, for accounting, budgets and simulation. Never sent to a provider. */
  agentId: z.string().optional(),
});

export type LanguageModelMessage = z.infer<typeof languageModelMessageSchema>;
export type LanguageModelRequest = z.infer<typeof languageModelRequestSchema> & {
  /** Cancels the request; adapters must reject promptly when it fires. */
  signal?: AbortSignal;
};

export const languageModelUsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
  /** Cost in the caller's currency unit, when the adapter knows the price. */
  cost: z.number().nonnegative().optional(),
  /** True when the provider reported no usage and the counts are estimated from the text. */
  estimated: z.boolean().optional(),
});

export const languageModelResponseSchema = z.object({
  text: z.string(),
  finishReason: z.enum(['stop', 'length', 'content-filter', 'tool-calls', 'error', 'other']),
  usage: languageModelUsageSchema,
  modelId: z.string(),
  /** The calls the model asks for, when it answered with tool calls. */
  toolCalls: z.array(languageModelToolCallSchema).optional(),
  /** What the provider did not honour (a setting it ignored, a downgraded response format). */
  warnings: z.array(z.string()).optional(),
});

export type LanguageModelToolCall = z.infer<typeof languageModelToolCallSchema>;
export type LanguageModelTool = z.infer<typeof languageModelToolSchema>;
export type LanguageModelUsage = z.infer<typeof languageModelUsageSchema>;
export type LanguageModelResponse = z.infer<typeof languageModelResponseSchema>;
