import { describeValue, readField, toErrorInfo } from '@varplane/core/internal';

export { readField };

import { RaftError, type RaftErrorCode } from '../errors';

export const isString = (value: unknown): boolean => typeof value === 'string';

/**
 * Runs `check` (which reads a caller's value), turning an error the value itself threw (a Proxy
 * trap, a getter) into a `RaftError` with `code`; the check's own `RaftError`s pass as they are.
 */
export function readSafely<T>(subject: string, code: RaftErrorCode, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (RaftError.isInstance(error)) throw error;
    throw new RaftError({
      code,
      message: `${subject}: the input could not be read (${toErrorInfo(error).message})`,
      cause: error,
    });
  }
}

/** Throws `RAFT_INVALID_ARGUMENT` (or `code`) unless `value` is a string. */
export function checkString(
  value: unknown,
  subject: string,
  field: string,
  code: RaftErrorCode = 'RAFT_INVALID_ARGUMENT',
): asserts value is string {
  if (typeof value === 'string') return;
  throw new RaftError({
    code,
    message: `${subject}: ${field} must be a string (got ${describeValue(value)})`,
  });
}
