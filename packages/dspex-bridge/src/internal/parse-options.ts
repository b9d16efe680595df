import { InvalidArgumentError, type Issue } from '@varplane/core';
import { formatIssues, toIssues } from '@varplane/core/internal';

export { toIssues };

import type { z } from 'zod';

/**
 * Parses `input` with `schema` or throws an `InvalidArgumentError` whose message names every bad
 * field and its value. `subject` opens the message (`predict "qa"`).
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
  code = 'INVALID_ARGUMENT',
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = toIssues(result.error);
  throw new InvalidArgumentError({ code, message: `${subject}: ${formatIssues(issues)}`, issues });
}

/** Throws an `InvalidArgumentError` for one bad field. */
export function invalidArgument(
  subject: string,
  path: string,
  message: string,
  value: unknown,
  code = 'INVALID_ARGUMENT',
): never {
  const issues: Issue[] = [{ path, message, value }];
  throw new InvalidArgumentError({ code, message: `${subject}: ${formatIssues(issues)}`, issues });
}
