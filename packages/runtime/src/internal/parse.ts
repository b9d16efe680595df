import { type ParseOptions, parseOrThrow as parse } from '@varplane/core/internal';
import type { z } from 'zod';

export { toIssues } from '@varplane/core/internal';

/**
 * Parses `input` with `schema` or throws an `InvalidArgumentError` (code `INVALID_ARGUMENT`) whose
 * message names every bad field and its value.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: Omit<ParseOptions, 'code' | 'error'>,
): z.output<S> {
  return parse(schema, input, { ...options, code: 'INVALID_ARGUMENT' });
}
