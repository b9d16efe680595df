import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  decodeRaftMessage,
  encodeRaftMessage,
  type NodeId,
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
}

export interface NatsRaftTransportStats {
  readonly sent: number;
  readonly received: number;
  /** Messages dropped because they could not be decoded or were not addressed to this node. */
  readonly dropped: number;
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
});

/**
 * The embedded Raft's transport over NATS: each node subscribes to its own subject and publishes
 * to its peers', core NATS at most once, which Raft tolerates (a lost message is resent by the
 * protocol). Messages travel in the binary form of `encodeRaftMessage`; anything undecodable or
 * addressed elsewhere is dropped and counted, never handed to Raft.
 */
export function createNatsRaftTransport(options: NatsRaftTransportOptions): NatsRaftTransport {
  const { connection, cluster, id } = parseArgument(
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
      handler?.(message);
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
    stats: () => ({ sent, received, dropped }),
  };
}
