import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  decodeRaftMessage,
  deliverContained,
  encodeRaftMessage,
  type NodeId,
  type RaftError,
  type RaftMessage,
  type RaftTransport,
} from '@varplane/consensus-raft';
import { z } from 'zod';
import { parseArgument } from './internal/parse';
import { raftSubject } from './subjects';

export interface NatsRaftTransportOptions {
  /** A connection made with `connect` from `@nats-io/transport-node`; the caller owns and closes it. */
  readonly connection: NatsConnection;
  /** The cluster's name; nodes of different clusters on one NATS never hear each other. */
  readonly cluster: string;
  /** This node's Raft id. */
  readonly id: NodeId;
  /**
   * Told when the Raft handler throws on a delivered message (`RAFT_DELIVERY_FAILED`); the
   * subscription goes on. Default: a process warning.
   */
  readonly onDeliveryError?: (error: RaftError) => void;
}

export interface NatsRaftTransportStats {
  readonly sent: number;
  readonly received: number;
  /** Messages dropped because they could not be decoded or were not addressed to this node. */
  readonly dropped: number;
  /** Messages the Raft handler threw on (reported through `onDeliveryError`). */
  readonly failed: number;
}

export interface NatsRaftTransport extends RaftTransport {
  stats(): NatsRaftTransportStats;
}

const optionsSchema = z.object({
  connection: z.custom<NatsConnection>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as NatsConnection).publish === 'function' &&
      typeof (value as NatsConnection).subscribe === 'function',
    { message: 'expected a NATS connection' },
  ),
  cluster: z.string().min(1),
  id: z.string().min(1),
  onDeliveryError: z
    .custom<(error: RaftError) => void>((value) => typeof value === 'function', {
      message: 'must be a function',
    })
    .optional(),
});

/**
 * The embedded Raft's transport over NATS: each node subscribes to its own subject and publishes
 * to its peers', core NATS at most once, which Raft tolerates (a lost message is resent by the
 * protocol). Messages travel in the binary form of `encodeRaftMessage`; anything undecodable or
 * addressed elsewhere is dropped and counted, never handed to Raft.
 */
export function createNatsRaftTransport(options: NatsRaftTransportOptions): NatsRaftTransport {
  const { connection, cluster, id, onDeliveryError } = parseArgument(
    optionsSchema,
    options,
    'createNatsRaftTransport',
  );
  const subjects = new Map<NodeId, string>();
  const subjectOf = (node: NodeId) => {
    let subject = subjects.get(node);
    if (subject === undefined) {
      subject = raftSubject(cluster, node);
      subjects.set(node, subject);
    }
    return subject;
  };
  let handler: ((message: RaftMessage) => void) | undefined;
  let closed = false;
  let sent = 0;
  let received = 0;
  let dropped = 0;
  let failed = 0;

  const subscription: Subscription = connection.subscribe(subjectOf(id), {
    callback: (error, msg) => {
      if (error || closed) return;
      let message: RaftMessage;
      try {
        message = decodeRaftMessage(msg.data);
      } catch {
        dropped += 1;
        return;
      }
      if (message.to !== id) {
        dropped += 1;
        return;
      }
      received += 1;
      // A throw in the handler must not reach the NATS client's callback loop.
      if (
        handler !== undefined &&
        !deliverContained('Raft over NATS', handler, message, onDeliveryError)
      )
        failed += 1;
    },
  });

  return {
    id,
    send(messages) {
      if (closed) return;
      for (const message of messages) {
        try {
          connection.publish(subjectOf(message.to), encodeRaftMessage(message));
          sent += 1;
        } catch {
          // A closed or draining connection: the message is lost, as an unreachable peer's is.
          dropped += 1;
        }
      }
    },
    listen(next) {
      handler = next;
    },
    async close() {
      if (closed) return;
      closed = true;
      handler = undefined;
      if (!connection.isClosed()) await subscription.drain().catch(() => undefined);
    },
    stats: () => ({ sent, received, dropped, failed }),
  };
}
