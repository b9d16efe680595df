import { VarplaneError } from '@varplane/core';
import { inputError, type TelepromptersErrorCode } from '../errors';

/**
 * Runs `read`, turning anything but a `VarplaneError` it throws into a typed input error naming
 * `path` and the value: a Proxy whose traps throw, a getter that throws, a cycle or a structure
 * too deep to walk is bad input, not a crash of the package.
 */
export function guardInput<T>(
  subject: string,
  path: string,
  value: unknown,
  read: () => T,
  code: TelepromptersErrorCode = 'INVALID_ARGUMENT',
): T {
  try {
    return read();
  } catch (error) {
    if (VarplaneError.isInstance(error)) throw error;
    throw inputError(code, subject, path, `cannot be read: ${reasonOf(error)}`, value, error);
  }
}

/** A thrown value's message, never throwing itself. */
export function reasonOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an unreadable error';
  }
}
