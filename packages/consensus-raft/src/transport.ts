import type { NodeId, RaftMessage } from './messages';

/**
 * How one node's messages reach the others. Delivery is best effort: a transport may drop,
 * duplicate, delay or reorder messages, and Raft stays safe; it only needs most messages to arrive
 * eventually to make progress. `send` never throws for an unreachable peer: it drops the message.
 * A node whose `send`, handler or `close` throws anyway does not let it escape: a throwing `send`
 * or a failure inside the handler stops the node (its `node-stopped` event carries a `RAFT_STOPPED`
 * error with the throw as cause), and a throwing `close` still lets `stop()` resolve.
 */
export interface RaftTransport {
  /** This node's id; messages passed to the handler have `to` equal to it. */
  readonly id: NodeId;
  /** Sends messages to the nodes named in their `to`. Returns at once. */
  send(messages: readonly RaftMessage[]): void;
  /**
   * Sets the one handler for incoming messages (a second call replaces it). The handler must not
   * be called after `close` resolves.
   */
  listen(handler: (message: RaftMessage) => void): void;
  /** Stops sending and receiving. */
  close(): Promise<void>;
}
