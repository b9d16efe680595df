import { type LanguageModelRequest, languageModelRequestSchema } from '@varplane/core';
import { invalidArgument, parseOptions, readable } from './parse-options';

/**
 * Validates a request at an adapter's door: a bad one throws an `InvalidArgumentError` naming the
 * field (`messages.0.role`) and value. The signal is carried over (zod does not know it).
 */
export function checkRequest(subject: string, request: unknown): LanguageModelRequest {
  const checked = parseOptions(languageModelRequestSchema, request, subject);
  let signal: unknown;
  try {
    signal = (request as { signal?: unknown }).signal;
  } catch (cause) {
    invalidArgument(subject, 'signal', `could not be read (${readable(cause)})`, undefined);
  }
  if (signal === undefined) return checked;
  if (!(signal instanceof AbortSignal))
    invalidArgument(subject, 'signal', 'must be an AbortSignal', signal);
  return { ...checked, signal };
}
