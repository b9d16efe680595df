import { VarplaneError } from '@varplane/core';
import { isVarplaneError, readable } from './parse-options';

/**
 * Calls a user's synchronous callback (a trace sink, a usage listener, an `apply`): what it
 * throws that is not a varplane error becomes `CALLBACK_FAILED`, naming the callback.
 */
export function callBack<T>(subject: string, what: string, callback: () => T): T {
  try {
    return callback();
  } catch (cause) {
    if (isVarplaneError(cause)) throw cause;
    throw new VarplaneError({
      code: 'CALLBACK_FAILED',
      message: `${subject}: ${what} threw: ${readable(cause)}`,
      cause,
    });
  }
}
