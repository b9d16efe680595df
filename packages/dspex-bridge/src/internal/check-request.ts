import {
  InvalidArgumentError,
  type LanguageModelRequest,
  languageModelRequestSchema,
} from '@varplane/core';
import { formatIssues } from '@varplane/core/internal';
import { toIssues } from './parse-options';

/**
 * Validates a request at an adapter's door: a bad one throws an `InvalidArgumentError` naming the
 * field (`messages.0.role`) and value. The signal is carried over (zod does not know it).
 */
export function checkRequest(subject: string, request: unknown): LanguageModelRequest {
  const result = languageModelRequestSchema.safeParse(request, { reportInput: true });
  if (!result.success) {
    const issues = toIssues(result.error);
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${subject}: ${formatIssues(issues)}`,
      issues,
    });
  }
  const signal = (request as { signal?: unknown }).signal;
  if (signal === undefined) return result.data;
  if (!(signal instanceof AbortSignal)) {
    const issues = [{ path: 'signal', message: 'must be an AbortSignal', value: signal }];
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${subject}: ${formatIssues(issues)}`,
      issues,
    });
  }
  return { ...result.data, signal };
}
