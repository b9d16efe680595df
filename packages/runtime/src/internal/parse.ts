import { InvalidArgumentError, VarplaneError } from '@varplane/core';
import {
  type CodeFor,
  describeValue,
  type ErrorFactory,
  type ParseOptions,
  parseOrThrow as parse,
} from '@varplane/core/internal';
import type { z } from 'zod';

export { toIssues } from '@varplane/core/internal';

const invalidArgument: ErrorFactory = (options) => new InvalidArgumentError(options);

/**
 * Core's `parseOrThrow`, with `INVALID_ARGUMENT` as the code unless another is given. It also
 * refuses an input whose unreadability shows only when zod words its issues (it does so lazily,
 * after the guarded parse: `z.array()` given a Proxy asks the Proxy for its prototype then).
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: Omit<ParseOptions, 'code'> & { code?: CodeFor },
): z.output<S> {
  const full: ParseOptions = { ...options, code: options.code ?? 'INVALID_ARGUMENT' };
  try {
    return parse(schema, input, full);
  } catch (error) {
    if (VarplaneError.isInstance(error)) throw error;
    const prefix = options.prefix ?? '';
    const issue = { path: prefix, message: 'could not be read' };
    const refusal = (options.error ?? invalidArgument)({
      code: typeof full.code === 'string' ? full.code : full.code(issue, []),
      message: `${options.subject}: ${prefix === '' ? 'the input' : prefix} could not be read (${readable(error)})`,
      issues: [issue],
    });
    if (refusal.cause === undefined)
      Object.defineProperty(refusal, 'cause', { value: error, configurable: true, writable: true });
    throw refusal;
  }
}

function readable(cause: unknown): string {
  try {
    return cause instanceof Error ? cause.message : describeValue(cause);
  } catch {
    return 'an unreadable value';
  }
}
