import { describeValue, toErrorInfo } from '@varplane/core/internal';
import { RaftError } from './errors';
import { checkString, readSafely } from './internal/read-field';
import type { RaftMessage } from './messages';

const SUBJECT = 'deliverContained';

function checkArguments(
  transport: unknown,
  handler: unknown,
  message: unknown,
  onDeliveryError: unknown,
): { from: unknown; to: unknown } {
  checkString(transport, SUBJECT, 'transport');
  const fail = (field: string, value: unknown, expected: string) =>
    new RaftError({
      code: 'RAFT_INVALID_ARGUMENT',
      message: `${SUBJECT}: ${field} must be ${expected} (got ${describeValue(value)})`,
    });
  if (typeof handler !== 'function') throw fail('handler', handler, 'a function');
  if (onDeliveryError !== undefined && typeof onDeliveryError !== 'function')
    throw fail('onDeliveryError', onDeliveryError, 'a function');
  if (typeof message !== 'object' || message === null) throw fail('message', message, 'a message');
  return readSafely(SUBJECT, 'RAFT_INVALID_ARGUMENT', () => ({
    from: (message as RaftMessage).from,
    to: (message as RaftMessage).to,
  }));
}

/**
 * Hands a received message to a Raft node's handler, for transports: a throw never escapes into
 * the transport's socket or subscription callback. It becomes a `RAFT_DELIVERY_FAILED` error given
 * to `onDeliveryError` (default: a process warning), and the transport carries on. Returns whether
 * the handler took the message; arguments of the wrong kind are `RAFT_INVALID_ARGUMENT`.
 *
 * @example
 * socket.on('message', (message) => deliverContained('my transport', handler, message, onError));
 */
export function deliverContained(
  transport: string,
  handler: (message: RaftMessage) => void,
  message: RaftMessage,
  onDeliveryError?: (error: RaftError) => void,
): boolean {
  const { from, to } = checkArguments(transport, handler, message, onDeliveryError);
  try {
    handler(message);
    return true;
  } catch (cause) {
    const error = new RaftError({
      code: 'RAFT_DELIVERY_FAILED',
      message: `${transport}: the handler of node ${describeValue(to)} threw on a message from ${describeValue(from)}: ${toErrorInfo(cause).message}`,
      cause,
    });
    try {
      if (onDeliveryError === undefined) process.emitWarning(error);
      else onDeliveryError(error);
    } catch (reporting) {
      // The reporter itself threw: the warning is the last place left to tell.
      process.emitWarning(
        new RaftError({
          code: 'RAFT_DELIVERY_FAILED',
          message: `${error.message} (and onDeliveryError threw)`,
          cause: reporting,
        }),
      );
    }
    return false;
  }
}
