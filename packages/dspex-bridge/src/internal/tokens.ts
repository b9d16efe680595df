import type { LanguageModelMessage } from '@varplane/core';

/**
 * A token count estimated from characters (about four a token in English, plus a few per message
 * for the chat framing). Used where a server reports no usage and by the simulated model.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Estimated input tokens of a chat prompt. */
export function estimatePromptTokens(messages: readonly LanguageModelMessage[]): number {
  let total = 0;
  for (const message of messages) total += estimateTokens(message.content) + 4;
  return total;
}
