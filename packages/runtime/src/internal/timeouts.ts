import { InvalidArgumentError } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';

/**
 * The longest timer the host keeps: Node fires a `setTimeout` of 2^31 ms or more after 1 ms, so a
 * longer timeout would expire at once. Timeout options above it are refused.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Throws `INVALID_ARGUMENT`, naming `path`, unless `value` is a number of ms a timer can hold. */
export function checkTimeoutMs(value: unknown, path: string, allowZero = false): void {
  if (
    typeof value === 'number' &&
    (allowZero ? value >= 0 : value > 0) &&
    Number.isFinite(value) &&
    value <= MAX_TIMEOUT_MS
  ) {
    return;
  }
  const expected = `a ${allowZero ? 'non-negative' : 'positive'} number of ms up to ${MAX_TIMEOUT_MS}`;
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${path}: expected ${expected} (got ${describeValue(value)})`,
    issues: [{ path, message: `must be ${expected}`, value }],
  });
}
