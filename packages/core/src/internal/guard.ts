import { describeValue, InvalidArgumentError, VarplaneError } from '../errors';
import type { ErrorFactory } from './parse';

/**
 * Runs `read`, code that reads a caller's input, and turns anything but a `VarplaneError` it
 * throws into a typed error that names `path` and the value: a getter that throws, a Proxy whose
 * traps throw or a cycle too deep to walk is bad input, not a crash of the package. Keep `read`
 * to the reading: what it wraps is reported as the caller's fault.
 */
export function guardInput<T>(
  subject: string,
  path: string,
  value: unknown,
  read: () => T,
  options: { code?: string; error?: ErrorFactory } = {},
): T {
  try {
    return read();
  } catch (cause) {
    if (VarplaneError.isInstance(cause)) throw cause;
    const make = options.error ?? ((o) => new InvalidArgumentError(o));
    const error = make({
      code: options.code ?? 'INVALID_ARGUMENT',
      message: `${subject}: ${path === '' ? 'the input' : path} could not be read (${reasonOf(cause)}; got ${describeValue(value)})`,
      issues: [{ path, message: 'could not be read', value }],
    });
    if (error.cause === undefined)
      Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
    throw error;
  }
}

/** A thrown value's message, never throwing itself. */
export function reasonOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : describeValue(error);
  } catch {
    return 'an unreadable value';
  }
}
