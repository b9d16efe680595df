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
  /** What the model supports beyond plain text; absent means neither. */
  readonly capabilities?: LanguageModelCapabilities;
  generate(request: LanguageModelRequest): Promise<LanguageModelResponse>;
}

/** Optional features of a model, so callers ask only for what it can do. */
export interface LanguageModelCapabilities {
  /** Honours `responseFormat: 'json'` (a JSON object answer). */
  readonly jsonMode?: boolean;
  /** Honours `responseSchema` (an answer that follows a JSON Schema). */
  readonly structuredOutput?: boolean;
}

export const languageModelMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
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
});

export const languageModelResponseSchema = z.object({
  text: z.string(),
  finishReason: z.enum(['stop', 'length', 'content-filter', 'error', 'other']),
  usage: languageModelUsageSchema,
  modelId: z.string(),
});

export type LanguageModelUsage = z.infer<typeof languageModelUsageSchema>;
export type LanguageModelResponse = z.infer<typeof languageModelResponseSchema>;
