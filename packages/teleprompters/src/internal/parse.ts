import { formatIssues, type Issue } from '@varplane/core';
import type { z } from 'zod';
import { OptimizerInputError } from '../errors';

/** zod issues as varplane issues: dotted paths, with the offending input kept. */
export function toIssues(error: z.ZodError, prefix = ''): Issue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    const out: Issue = { path, message: issue.message };
    if ('input' in issue) out.value = issue.input;
    return out;
  });
}

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
