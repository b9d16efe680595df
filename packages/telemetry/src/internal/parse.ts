import { VarplaneError } from '@varplane/core';
import { parseOrThrow, toErrorInfo } from '@varplane/core/internal';
import type { z } from 'zod';
import { TelemetryOptionsError } from '../errors';

/**
 * Parses `input` or throws a {@link TelemetryOptionsError} whose message opens with `subject` and
 * names every bad field with its value. Input that cannot even be read (a throwing getter, a
 * Proxy whose traps throw) is refused the same way, never with the error the read threw.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
): z.output<S> {
  try {
    return parseOrThrow(schema, input, {
      code: 'TELEMETRY_INVALID_OPTIONS',
      subject,
      error: (options) => new TelemetryOptionsError(options),
    });
  } catch (error) {
    if (VarplaneError.isInstance(error)) throw error;
    // zod 4 words its issues lazily, reading the input again (its prototype, say): a Proxy whose
    // traps throw can fail there, past the parse itself.
    throw new TelemetryOptionsError({
      code: 'TELEMETRY_INVALID_OPTIONS',
      message: `${subject}: the input could not be read (${toErrorInfo(error).message})`,
      issues: [{ path: '', message: 'could not be read' }],
      cause: error,
    });
  }
}

/** A zod check for functions, which zod 4 has no plain schema for. */
export function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function';
}
