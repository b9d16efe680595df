import { formatIssues, InvalidArgumentError, toIssues } from '@varplane/core';

export { toIssues };

import type { z } from 'zod';

/**
 * Parses `input` with `schema` or throws an `InvalidArgumentError` (code `INVALID_ARGUMENT`) whose
 * message names every bad field and its value.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: { subject: string; prefix?: string },
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = toIssues(result.error, options.prefix);
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${options.subject}: ${formatIssues(issues)}`,
    issues,
  });
}
