import {
  type Msg,
  type NatsConnection,
  RequestError,
  type Subscription,
  TimeoutError,
} from '@nats-io/transport-node';
import { type AgentRef, VarplaneError } from '@varplane/core';
import type {
  ActorSystem,
  AgentSnapshot,
  AnyBehaviour,
  CallOutcome,
  RemoteTransport,
  ReplyAddress,
} from '@varplane/runtime';
import { z } from 'zod';
import type { DurableQueue } from './durable-queue';
import { ClusterError } from './errors';
import { parseArgument } from './internal/parse';
import { adoptSubject, answerSubject, callSubject, castSubject } from './subjects';

export interface NatsRemoteTransportOptions {
  /** A connection from `connectNats`; the caller owns and closes it. */
  readonly connection: NatsConnection;
  readonly cluster: string;
  /** This process's node name: the `node` of the refs its agents have. */
  readonly node: string;
  /** Where at-least-once sends go (`startDurableQueue`); without it they are refused. */
  readonly durable?: Pick<DurableQueue, 'store'>;
}

export interface NatsRemoteTransportStats {
  readonly castsSent: number;
  readonly callsSent: number;
  readonly castsServed: number;
  readonly callsServed: number;
  /** Requests that arrived malformed and were answered with an error or dropped. */
  readonly malformed: number;
}

/**
 * Delivery between the actor systems of a cluster over NATS. Give it to `createActorSystem` (or
 * `startSpace`) as `transport`, then `serve` the system so other nodes reach its agents.
 */
export interface NatsRemoteTransport extends RemoteTransport {
  /**
   * Starts answering sends and calls addressed to this node's agents. `behaviours` are the ones
   * agents migrating here may run, by name (see `migrateAgent`).
   */
  serve(system: ActorSystem, options?: { behaviours?: readonly AnyBehaviour[] }): void;
  stats(): NatsRemoteTransportStats;
  /** Stops serving (in-flight calls finish first) and refuses further remote sends and calls. */
  close(): Promise<void>;
}

const optionsSchema = z.object({
  connection: z.custom<NatsConnection>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as NatsConnection).request === 'function',
    { message: 'expected a NATS connection' },
  ),
  cluster: z.string().min(1),
  node: z.string().min(1),
});

interface Envelope {
  /** Target agent id on the receiving node. */
  to: string;
  message: unknown;
  /** The caller's deadline in ms, so the remote call gives up when the caller does. */
  timeout?: number;
}

type Reply = { ok: true; value: unknown } | { ok: false; code: string; message: string };

const text = new TextEncoder();
const read = new TextDecoder();

/**
 * Remote `send` and `call` over NATS node subjects (`vp.<cluster>.n.<node>.cast` / `.call`).
 * Sends are at most once and keep their order per sender and receiver (one connection publishes
 * them in order); calls are NATS requests bounded by the runtime's timeout and always settle:
 * the remote agent's reply, its typed error with the same code (`AGENT_NOT_FOUND`,
 * `AGENT_CRASHED`...), `CALL_TIMEOUT`, or `CLUSTER_NODE_UNREACHABLE` when nobody serves the node.
 * Messages and replies travel as JSON; a message JSON cannot carry is refused at the sender with
 * `CLUSTER_MESSAGE_NOT_SERIALIZABLE`.
 */
export function createNatsRemoteTransport(
  options: NatsRemoteTransportOptions,
): NatsRemoteTransport {
  const { connection, cluster, node } = parseArgument(
    optionsSchema,
    options,
    'createNatsRemoteTransport',
  );
  const durable = options.durable;
  const subscriptions: Subscription[] = [];
  let closed = false;
  let castsSent = 0;
  let callsSent = 0;
  let castsServed = 0;
  let callsServed = 0;
  let malformed = 0;

  const encode = (envelope: Envelope) => {
    let json: string | undefined;
    try {
      json = JSON.stringify(envelope);
    } catch (cause) {
      throw notSerializable(envelope.to, cause);
    }
    return text.encode(json);
  };

  const refuseClosed = (ref: AgentRef) =>
    new ClusterError({
      code: 'CLUSTER_TRANSPORT_CLOSED',
      message: `the cluster transport of node "${node}" is closed; cannot reach "${ref.id}" on "${ref.node}"`,
    });

  const transport: NatsRemoteTransport = {
    send(ref, message) {
      if (closed || connection.isClosed()) return false;
      const payload = encode({ to: ref.id, message });
      connection.publish(castSubject(cluster, ref.node), payload);
      castsSent += 1;
      return true;
    },

    ...(durable === undefined
      ? {}
      : { sendAtLeastOnce: (ref: AgentRef, message: unknown) => durable.store(ref, message) }),

    async call(ref, message, timeoutMs) {
      if (closed || connection.isClosed()) throw refuseClosed(ref);
      const payload = encode({ to: ref.id, message, timeout: timeoutMs });
      callsSent += 1;
      let response: Msg;
      try {
        response = await connection.request(callSubject(cluster, ref.node), payload, {
          timeout: timeoutMs,
        });
      } catch (cause) {
        throw requestFailure(cause, ref, timeoutMs);
      }
      let reply: Reply;
      try {
        reply = JSON.parse(read.decode(response.data)) as Reply;
      } catch (cause) {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_REPLY',
          message: `node "${ref.node}" answered a call to "${ref.id}" with something that is not a reply`,
          cause,
        });
      }
      if (reply?.ok === true) return reply.value;
      throw new VarplaneError({
        code: typeof reply?.code === 'string' ? reply.code : 'CLUSTER_INVALID_REPLY',
        message: `${ref.id} on ${ref.node}: ${typeof reply?.message === 'string' ? reply.message : 'no message'}`,
      });
    },

    answer(to: ReplyAddress, outcome: CallOutcome) {
      if (closed || connection.isClosed()) return;
      const wire = outcome.ok
        ? { to, ok: true, value: outcome.value }
        : { to, ...describeFailure(outcome.error) };
      try {
        connection.publish(answerSubject(cluster, to.node), text.encode(JSON.stringify(wire)));
      } catch {
        // A reply JSON cannot carry: the caller times out, as with a lost reply.
      }
    },

    serve(system, serveOptions = {}) {
      if (closed) throw refuseClosed({ id: '*', node });
      if (subscriptions.length > 0) {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_ARGUMENT',
          message: `node "${node}" is already served`,
        });
      }
      subscriptions.push(
        connection.subscribe(castSubject(cluster, node), {
          callback: (error, msg) => {
            if (error) return;
            const envelope = decode(msg);
            if (!envelope) {
              malformed += 1;
              return;
            }
            castsServed += 1;
            // An unknown or full target is the runtime's dead letter, as for a local send.
            system.send(envelope.to, envelope.message);
          },
        }),
        connection.subscribe(answerSubject(cluster, node), {
          callback: (error, msg) => {
            if (error) return;
            try {
              const wire = JSON.parse(read.decode(msg.data)) as {
                to: ReplyAddress;
                ok: boolean;
                value?: unknown;
                code?: string;
                message?: string;
              };
              system.answer(
                wire.to,
                wire.ok
                  ? { ok: true, value: wire.value }
                  : {
                      ok: false,
                      error: new VarplaneError({
                        code: String(wire.code ?? 'CLUSTER_REMOTE_FAILURE'),
                        message: String(wire.message ?? 'remote failure'),
                      }),
                    },
              );
            } catch {
              malformed += 1;
            }
          },
        }),
        connection.subscribe(adoptSubject(cluster, node), {
          callback: (error, msg) => {
            if (error) return;
            try {
              const snapshot = JSON.parse(read.decode(msg.data)) as AgentSnapshot;
              const behaviour = (serveOptions.behaviours ?? []).find(
                (candidate) => candidate.name === snapshot?.behaviour,
              );
              if (!behaviour) {
                respond(msg, {
                  ok: false,
                  code: 'CLUSTER_UNKNOWN_BEHAVIOUR',
                  message: `node "${node}" cannot run behaviour ${JSON.stringify(snapshot?.behaviour)}`,
                });
                return;
              }
              const ref = system.adopt(snapshot, { behaviour });
              respond(msg, { ok: true, value: ref });
            } catch (failure) {
              malformed += 1;
              respond(msg, describeFailure(failure));
            }
          },
        }),
        connection.subscribe(callSubject(cluster, node), {
          callback: (error, msg) => {
            if (error) return;
            const envelope = decode(msg);
            if (!envelope) {
              malformed += 1;
              respond(msg, {
                ok: false,
                code: 'CLUSTER_INVALID_ARGUMENT',
                message: 'malformed call',
              });
              return;
            }
            callsServed += 1;
            const timeout =
              typeof envelope.timeout === 'number' && envelope.timeout > 0
                ? envelope.timeout
                : undefined;
            system
              .call(envelope.to, envelope.message, timeout === undefined ? {} : { timeout })
              .then(
                (value) => respond(msg, { ok: true, value }),
                (failure: unknown) => respond(msg, describeFailure(failure)),
              );
          },
        }),
      );
    },

    stats: () => ({ castsSent, callsSent, castsServed, callsServed, malformed }),

    async close() {
      if (closed) return;
      closed = true;
      if (connection.isClosed()) return;
      await Promise.all(
        subscriptions.map((subscription) => subscription.drain().catch(() => undefined)),
      );
    },
  };
  return transport;
}

function decode(msg: Msg): Envelope | undefined {
  try {
    const value = JSON.parse(read.decode(msg.data)) as Envelope;
    return typeof value === 'object' &&
      value !== null &&
      typeof value.to === 'string' &&
      value.to !== ''
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

function respond(msg: Msg, reply: Reply) {
  let payload: Uint8Array;
  try {
    payload = text.encode(JSON.stringify(reply));
  } catch (cause) {
    payload = text.encode(
      JSON.stringify({
        ok: false,
        code: 'CLUSTER_MESSAGE_NOT_SERIALIZABLE',
        message: `the reply cannot travel as JSON: ${String((cause as Error)?.message ?? cause)}`,
      } satisfies Reply),
    );
  }
  try {
    msg.respond(payload);
  } catch {
    // The connection closed under us: the caller's request times out.
  }
}

function describeFailure(failure: unknown): { ok: false; code: string; message: string } {
  try {
    if (VarplaneError.isInstance(failure))
      return { ok: false, code: failure.code, message: failure.message };
    const message = failure instanceof Error ? failure.message : String(failure);
    return { ok: false, code: 'CLUSTER_REMOTE_FAILURE', message };
  } catch {
    return {
      ok: false,
      code: 'CLUSTER_REMOTE_FAILURE',
      message: 'an error that could not be described',
    };
  }
}

function requestFailure(cause: unknown, ref: AgentRef, timeoutMs: number): VarplaneError {
  const noResponders =
    cause instanceof RequestError ? cause.isNoResponders() : /no responders/i.test(String(cause));
  if (noResponders) {
    return new ClusterError({
      code: 'CLUSTER_NODE_UNREACHABLE',
      message: `no node "${ref.node}" is serving; "${ref.id}" cannot be called`,
      cause,
    });
  }
  if (
    cause instanceof TimeoutError ||
    (cause instanceof RequestError && cause.cause instanceof TimeoutError)
  ) {
    return new VarplaneError({
      code: 'CALL_TIMEOUT',
      message: `call to "${ref.id}" on node "${ref.node}" got no reply within ${timeoutMs} ms`,
      cause,
    });
  }
  return new ClusterError({
    code: 'CLUSTER_NODE_UNREACHABLE',
    message: `call to "${ref.id}" on node "${ref.node}" failed: ${String((cause as Error)?.message ?? cause)}`,
    cause,
  });
}

function notSerializable(to: string, cause: unknown): ClusterError {
  return new ClusterError({
    code: 'CLUSTER_MESSAGE_NOT_SERIALIZABLE',
    message: `a message to "${to}" on another node must be JSON: ${String((cause as Error)?.message ?? cause)}`,
    cause,
  });
}
