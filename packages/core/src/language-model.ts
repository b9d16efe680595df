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
  generate(request: LanguageModelRequest): Promise<LanguageModelResponse>;
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
