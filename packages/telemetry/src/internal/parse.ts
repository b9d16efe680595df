import { formatIssues, type Issue } from '@varplane/core';
import type { z } from 'zod';
import { TelemetryOptionsError } from '../errors';

/** zod issues as varplane issues: dotted paths, with the offending input kept. */
function toIssues(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => {
    const out: Issue = { path: issue.path.map(String).join('.'), message: issue.message };
    if ('input' in issue) out.value = issue.input;
    return out;
  });
}

/**
 * Parses `input` or throws a {@link TelemetryOptionsError} whose message opens with `subject` and
 * names every bad field with its value.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = toIssues(result.error);
  throw new TelemetryOptionsError({
    code: 'TELEMETRY_INVALID_OPTIONS',
    message: `${subject}: ${formatIssues(issues)}`,
    issues,
  });
}

/** A zod check for functions, which zod 4 has no plain schema for. */
export function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function';
}
