import { VarplaneError } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { TelemetryOptionsError } from '../errors';

/**
 * Runs a computation over structured input that was checked only in outline (a window snapshot,
 * a performance input): if the input turns out malformed deeper down, the caller gets a typed
 * error naming the argument, never the TypeError the computation ran into.
 */
export function guarded<T>(subject: string, field: string, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (VarplaneError.isInstance(error)) throw error;
    const why = error instanceof Error ? error.message : describeValue(error);
    throw new TelemetryOptionsError({
      code: 'TELEMETRY_INVALID_OPTIONS',
      message: `${subject}: ${field}: is malformed (${why})`,
      issues: [{ path: field, message: `is malformed (${why})` }],
      cause: error,
    });
  }
}
