import { formatIssues, toIssues } from '@varplane/core';

export { toIssues };

import type { z } from 'zod';
import { OptimizerInputError } from '../errors';

/**
 * Parses `input` with `schema` or throws an `OptimizerInputError` (code `INVALID_ARGUMENT`) whose
 * message names every bad field and its value.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
  prefix = '',
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = toIssues(result.error, prefix);
  throw new OptimizerInputError({
    code: 'INVALID_ARGUMENT',
    message: `${subject}: ${formatIssues(issues)}`,
    issues,
  });
}
