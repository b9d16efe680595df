import { formatIssues, toIssues } from '@varplane/core/internal';
import type { z } from 'zod';
import { TelemetryOptionsError } from '../errors';

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
