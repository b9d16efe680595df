import { describeValue, formatIssues, toIssues } from '@varplane/core/internal';

export { toIssues };

import type { z } from 'zod';
import { OptimizerInputError } from '../errors';
import { reasonOf } from './guard';

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
  let result: z.ZodSafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(input, { reportInput: true }) as z.ZodSafeParseResult<z.output<S>>;
  } catch (error) {
    // A Proxy or getter that throws while zod reads it: bad input, named as such.
    throw new OptimizerInputError({
      code: 'INVALID_ARGUMENT',
      message: `${subject}: ${prefix || '(input)'} cannot be read: ${reasonOf(error)} (got ${describeValue(input)})`,
      issues: [{ path: prefix, message: 'cannot be read', value: input }],
      cause: error,
    });
  }
  if (result.success) return result.data;
  const issues = toIssues(result.error, prefix);
  throw new OptimizerInputError({
    code: 'INVALID_ARGUMENT',
    message: `${subject}: ${formatIssues(issues)}`,
    issues,
  });
}
