import type { LanguageModel, LanguageModelRequest } from '@varplane/core';

/** A scripted LM for tests: `reply` writes each answer; usage is one token per 4 characters. */
export function scriptedLanguageModel(
  reply: (request: LanguageModelRequest, call: number) => string,
): LanguageModel & { readonly requests: LanguageModelRequest[] } {
  const requests: LanguageModelRequest[] = [];
  return {
    specificationVersion: 'v1',
    provider: 'scripted',
    modelId: 'scripted',
    requests,
    async generate(request) {
      requests.push(request);
      const text = reply(request, requests.length - 1);
      const inputTokens = Math.ceil(
        request.messages.reduce((sum, message) => sum + message.content.length, 0) / 4,
      );
      const outputTokens = Math.ceil(text.length / 4);
      return {
        text,
        finishReason: 'stop',
        usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
        modelId: 'scripted',
      };
    },
  };
}
