import { parseOrThrow as parseWith, toIssues } from '@varplane/core/internal';

export { toIssues };

import type { z } from 'zod';
import { OptimizerInputError } from '../errors';

/**
 * Parses `input` with `schema` or throws an `OptimizerInputError` (code `INVALID_ARGUMENT`) whose
 * message names every bad field and its value; input that cannot be read is refused the same way.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
  prefix = '',
): z.output<S> {
  return parseWith(schema, input, {
    code: 'INVALID_ARGUMENT',
    subject,
    prefix,
    error: (options) => new OptimizerInputError(options),
  });
}
