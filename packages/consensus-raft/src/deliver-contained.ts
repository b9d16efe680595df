import { describeValue, toErrorInfo } from '@varplane/core/internal';
import { RaftError } from './errors';
import type { RaftMessage } from './messages';

/**
 * Hands a received message to a Raft node's handler, for transports: a throw never escapes into
 * the transport's socket or subscription callback. It becomes a `RAFT_DELIVERY_FAILED` error given
 * to `onDeliveryError` (default: a process warning), and the transport carries on. Returns whether
 * the handler took the message.
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
  try {
    handler(message);
    return true;
  } catch (cause) {
    const error = new RaftError({
      code: 'RAFT_DELIVERY_FAILED',
      message: `${transport}: the handler of node ${describeValue(message.to)} threw on a message from ${describeValue(message.from)}: ${toErrorInfo(cause).message}`,
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
