import type {
  LanguageModel,
  LanguageModelCapabilities,
  LanguageModelRequest,
  LanguageModelResponse,
} from '@varplane/core';

/** An in-memory LanguageModel that answers with scripted texts and keeps every request. */
export interface ScriptedLanguageModel extends LanguageModel {
  readonly requests: LanguageModelRequest[];
}

/**
 * Answers request n with `replies[n]` (the last one repeats); a reply that is a function computes
 * the text from the request, an Error is thrown.
 */
export function scriptedLanguageModel(
  replies: readonly (string | Error | ((request: LanguageModelRequest) => string))[],
  options: { modelId?: string; capabilities?: LanguageModelCapabilities } = {},
): ScriptedLanguageModel {
  const requests: LanguageModelRequest[] = [];
  return {
    specificationVersion: 'v1',
    provider: 'scripted',
    modelId: options.modelId ?? 'scripted',
    capabilities: options.capabilities ?? { jsonMode: true, structuredOutput: true },
    requests,
    async generate(request): Promise<LanguageModelResponse> {
      requests.push(request);
      const reply = replies[Math.min(requests.length - 1, replies.length - 1)];
      if (reply instanceof Error) throw reply;
      const text = typeof reply === 'function' ? reply(request) : (reply ?? '');
      return {
        text,
        finishReason: 'stop',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15, cost: 0.5 },
        modelId: options.modelId ?? 'scripted',
      };
    },
  };
}
