import { type Clock, VarplaneError } from '@varplane/core';
import { withDeadline } from './deadline';
import { isVarplaneError, readable } from './parse-options';

/**
 * Runs a user's async code (a function program's `run`, a composed program's `forward`, a tool
 * handler) under a deadline: it settles with its result, `CALLBACK_TIMEOUT` after `timeoutMs`
 * (its signal aborted), `CALLBACK_FAILED` for a throw that is not a varplane error, or the
 * caller's abort reason typed as `aborted` says.
 */
export function runUserCode<T>(
  what: string,
  options: {
    readonly clock: Clock;
    readonly timeoutMs: number;
    readonly signal?: AbortSignal | undefined;
    readonly aborted: (reason: unknown) => Error;
  },
  work: (signal: AbortSignal) => Promise<T> | T,
): Promise<T> {
  return withDeadline(
    {
      clock: options.clock,
      ms: options.timeoutMs,
      signal: options.signal,
      timedOut: () =>
        new VarplaneError({
          code: 'CALLBACK_TIMEOUT',
          message: `${what} did not settle within ${options.timeoutMs} ms`,
        }),
      aborted: options.aborted,
    },
    work,
  ).catch((cause: unknown) => {
    if (isVarplaneError(cause)) throw cause;
    throw new VarplaneError({
      code: 'CALLBACK_FAILED',
      message: `${what} threw: ${readable(cause)}`,
      cause,
    });
  });
}

/** The error a program's call ends with when its signal fires. */
export function programAborted(name: string, reason: unknown): Error {
  return new VarplaneError({
    code: 'PROGRAM_ABORTED',
    message: `${name}: the call was aborted`,
    cause: reason,
  });
}
