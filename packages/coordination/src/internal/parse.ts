import { InvalidArgumentError, type Issue } from '@varplane/core';
import { describeValue, type ParseOptions, parseOrThrow } from '@varplane/core/internal';
import type { z } from 'zod';

export { parseOrThrow };

/**
 * Validates a large input: `isValid` is a hand-written check that runs in the time of a loop, and
 * only when it fails does zod run to say what is wrong. The two must agree (a property test holds
 * them to it). Returns `input` itself, unchanged, so functions (utilities) and identity survive.
 */
export function checkOrThrow<T>(
  input: unknown,
  isValid: (input: unknown) => boolean,
  schema: z.ZodType,
  options: ParseOptions,
): T {
  if (!isValid(input)) parseOrThrow(schema, input, options);
  return input as T;
}

/** Throws one `InvalidArgumentError` for a problem a schema cannot see (sums, duplicates). */
export function invalid(
  subject: string,
  code: string,
  path: string,
  message: string,
  ...offending: [value?: unknown]
): never {
  const issue: Issue = { path, message };
  if (offending.length > 0) issue.value = offending[0];
  const got = offending.length > 0 ? ` (got ${describeValue(offending[0])})` : '';
  throw new InvalidArgumentError({
    code,
    message: `${subject}: ${path === '' ? '(input)' : path}: ${message}${got}`,
    issues: [issue],
  });
}
