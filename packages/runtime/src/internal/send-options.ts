import { InvalidArgumentError } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';

const DELIVERIES = ['at-most-once', 'at-least-once'] as const;

/**
 * True when `options` asks for at-least-once delivery; throws `INVALID_ARGUMENT` naming the field
 * for anything that is not a `SendOptions`. Kept apart so a plain `send` pays one `undefined` test.
 */
export function wantsAtLeastOnce(options: unknown, subject: string): boolean {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${subject}: options must be an object (got ${describeValue(options)})`,
      issues: [{ path: 'options', message: 'must be an object', value: options }],
    });
  }
  let delivery: unknown;
  try {
    delivery = (options as { delivery?: unknown }).delivery;
  } catch (cause) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${subject}: options.delivery could not be read`,
      issues: [{ path: 'options.delivery', message: 'could not be read' }],
      cause,
    });
  }
  if (delivery === undefined || delivery === 'at-most-once') return false;
  if (delivery === 'at-least-once') return true;
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${subject}: options.delivery must be one of ${DELIVERIES.join(', ')} (got ${describeValue(delivery)})`,
    issues: [
      {
        path: 'options.delivery',
        message: `must be one of ${DELIVERIES.join(', ')}`,
        value: delivery,
      },
    ],
  });
}
