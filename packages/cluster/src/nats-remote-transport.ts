import {
  type Msg,
  type NatsConnection,
  RequestError,
  type Subscription,
  TimeoutError,
} from '@nats-io/transport-node';
import { type AgentRef, type Clock, systemClock, VarplaneError } from '@varplane/core';
import type {
  ActorSystem,
  AgentSnapshot,
  AnyBehaviour,
  CallOutcome,
  RemoteTransport,
  ReplyAddress,
} from '@varplane/runtime';
import { z } from 'zod';
import type { ControlView, Placement } from './control-plane';
import type { DurableQueue } from './durable-queue';
import { ClusterError } from './errors';
import { type CastEnvelope, Hosting } from './internal/hosting';
import { parseArgument } from './internal/parse';
import { Resequencer, type SequenceTable } from './internal/resequencer';
import {
  adoptSubject,
  answerSubject,
  callSubject,
  castSubject,
  movedSubject,
  placedSubject,
  placementSubject,
} from './subjects';

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
  /**
   * Sends delivered out of order because they came after the wait for them (`reorderWaitMs`)
   * had ended: their path stalled longer than it.
   */
  readonly late: number;
  /** Sends that waited for a placement this node did not apply within 5 s, and were dropped. */
  readonly expired: number;
  /**
   * Sends and calls for an agent this node neither ran nor knew, held once for its next applied
   * change (the agent may have just been placed here).
   */
  readonly waited: number;
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
  epoch?: number;
}

type Reply =
  | { ok: true; value: unknown }
  | { ok: false; code: string; message: string; moved?: { node: string; epoch: number } };

/** What a node that placed managed agents adds to the transport (see `startClusterNode`). */
export interface PlacementRouting {
  /** The committed placements, as this node applied them. */
  readonly view: () => ControlView;
  /** Managed agents of this node and what happens to their mail. */
  readonly hosting: Hosting;
  readonly clock?: Clock;
  /** How long a gap in a sender's numbered sends is waited for. Default 1,000 ms. */
  readonly reorderWaitMs?: number;
}

/** The transport with the hooks a cluster node's placement and moves need (not public). */
export interface NodeTransport extends NatsRemoteTransport {
  /** This process's stream of numbered sends. */
  readonly stream: string;
  readonly sequences: Resequencer;
  /** Where `agent` is, by the committed view or a newer MOVED answer; undefined if unmanaged. */
  locate(agent: string): { node: string; epoch: number } | undefined;
  /** Sends held envelopes on to `node`, numbers kept, so the receiver orders and dedupes them. */
  forward(node: string, envelopes: readonly CastEnvelope[]): void;
  /** Hands envelopes and calls held here during a move that failed to this node's agents. */
  redeliver(envelopes: readonly CastEnvelope[], calls: readonly Msg[]): void;
  /** Answers calls held during a move with where the agent went. */
  answerMoved(calls: readonly Msg[], placement: { node: string; epoch: number }): void;
  /** Tells members without a control plane where `agent` runs now (its new host does). */
  announce(agent: string, placement: { node: string; epoch: number }): void;
  /** Takes mail parked for a placement this node had not applied yet, now that it may have. */
  flushParked(): void;
  /** Handlers of managed adopts and aborts (a move's target side), set by the cluster node. */
  onAdopt?: ((request: ManagedAdopt) => Reply) | undefined;
  onAbort?: ((agent: string, expect: number) => void) | undefined;
  onCommitted?: ((agent: string, epoch: number) => void) | undefined;
}

/** A managed move's request to its target. */
export interface ManagedAdopt {
  snapshot: AgentSnapshot;
  /** The placement epoch the move replaces; the target holds the agent until it is committed. */
  expect: number;
  sequences: SequenceTable;
}

const MAX_HOPS = 4;
/** How long mail waits for this node to apply the placement its sender already knew. */
const PARK_MS = 5_000;
const UNKNOWN_WAIT_MS = 1_000;
const MAX_REDIRECTS = 8;

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
  return openNodeTransport({
    connection,
    cluster,
    node,
    ...(options.durable === undefined ? {} : { durable: options.durable }),
  });
}

/** The transport of a cluster node: plain delivery, plus placement routing when given. */
export function openNodeTransport(
  options: NatsRemoteTransportOptions & { routing?: PlacementRouting },
): NodeTransport {
  const { connection, cluster, node, routing } = options;
  const clock = routing?.clock ?? systemClock;
  const hosting = routing?.hosting ?? new Hosting();
  // A new stream each time a process starts, so a restarted node's numbers never look like old ones.
  const stream = `${node}~${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const nextSeq = new Map<string, number>();
  // Newer placements learned from MOVED answers than this node's view has yet (or has at all).
  const hints = new Map<string, { node: string; epoch: number }>();
  let system: ActorSystem | undefined;
  const sequences = new Resequencer(clock, routing?.reorderWaitMs ?? 1_000, (agent, message) => {
    system?.send(agent, message);
  });
  const movedNoticed = new Map<string, number>();
  // Mail whose sender knew a newer placement than this node has applied: it waits for the log.
  // `waited`: mail for an agent this node did not know, held until its next applied change.
  let parked: Array<{
    epoch: number;
    until: number;
    cast?: CastEnvelope;
    call?: Msg;
    waited?: boolean;
  }> = [];
  const ahead = (epoch: number | undefined, agent: string) => {
    if (routing === undefined || typeof epoch !== 'number' || epoch <= routing.view().epoch)
      return false;
    // A move's source may tell this node of the commit before its log does.
    const state = hosting.get(agent);
    return !(state?.kind === 'running' && state.epoch >= epoch);
  };
  /**
   * Mail for an agent this node neither hosts nor knows may be for one just placed here, whose
   * placement this node has not applied yet (placing resolves once the leader commits; a sender
   * without a view sends no epoch). It waits for this node's next applied change once, at most
   * `UNKNOWN_WAIT_MS`, and then takes the usual way (the agent, or the runtime's dead letters).
   */
  const waitForLog = (
    agent: string,
    placed: { node: string } | undefined,
    item: { cast?: CastEnvelope; call?: Msg },
  ): boolean => {
    // An agent the system runs, or forwards (it moved away unplaced), needs no placement.
    if (
      routing === undefined ||
      system === undefined ||
      system.info(agent) !== undefined ||
      system.forwardOf(agent) !== undefined
    )
      return false;
    waited += 1;
    const applied = routing.view().epoch;
    parked.push({
      ...item,
      // Placed here and applied, but not started yet: it starts when this node next follows the log.
      epoch: placed?.node === node ? applied : applied + 1,
      until: clock.now() + UNKNOWN_WAIT_MS,
      waited: true,
    });
    return true;
  };
  const durable = options.durable;
  const subscriptions: Subscription[] = [];
  let closed = false;
  let castsSent = 0;
  let callsSent = 0;
  let castsServed = 0;
  let callsServed = 0;
  let malformed = 0;
  let expired = 0;
  let waited = 0;

  const encode = (envelope: Envelope | CastEnvelope) => {
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

  const locate = (agent: string): { node: string; epoch: number } | undefined => {
    const placed: Placement | undefined = routing?.view().placement(agent);
    const hint = hints.get(agent);
    if (hint === undefined) return placed;
    if (placed !== undefined && placed.epoch >= hint.epoch) {
      hints.delete(agent);
      return placed;
    }
    return hint;
  };

  const learn = (agent: string, moved: { node: string; epoch: number }) => {
    const known = locate(agent);
    if (known === undefined || moved.epoch > known.epoch) hints.set(agent, moved);
  };

  /** A cast for this node: into its agent (in sender order) or on to where the agent is. */
  const receiveCast = (envelope: CastEnvelope, waited = false) => {
    const id = envelope.to;
    if (ahead(envelope.epoch, id)) {
      parked.push({
        epoch: envelope.epoch as number,
        until: clock.now() + PARK_MS,
        cast: envelope,
      });
      return;
    }
    const state = hosting.get(id);
    if (state?.kind === 'moving') {
      state.casts.push(envelope);
      return;
    }
    const placed = state === undefined ? locate(id) : undefined;
    if (placed !== undefined && placed.node !== node) {
      if ((envelope.hops ?? 0) >= MAX_HOPS) {
        malformed += 1;
        return;
      }
      publishCast(placed.node, { ...envelope, hops: (envelope.hops ?? 0) + 1 });
      tellMoved(envelope, placed);
      return;
    }
    if (state === undefined && !waited && waitForLog(id, placed, { cast: envelope })) return;
    castsServed += 1;
    if (envelope.stream !== undefined && typeof envelope.seq === 'number') {
      sequences.accept(id, envelope.stream, envelope.seq, envelope.message);
    } else {
      // An unknown or full target is the runtime's dead letter, as for a local send.
      system?.send(id, envelope.message);
    }
  };

  /** Tells a sender that is behind where the agent went, once per agent and epoch. */
  const tellMoved = (envelope: CastEnvelope, placed: { node: string; epoch: number }) => {
    const sender = envelope.stream?.split('~')[0];
    if (sender === undefined || sender === '' || sender === node) return;
    const key = `${envelope.stream}\u0000${envelope.to}`;
    if (movedNoticed.get(key) === placed.epoch) return;
    movedNoticed.set(key, placed.epoch);
    if (movedNoticed.size > 10_000) movedNoticed.delete(movedNoticed.keys().next().value as string);
    try {
      connection.publish(
        movedSubject(cluster, sender),
        text.encode(JSON.stringify({ agent: envelope.to, node: placed.node, epoch: placed.epoch })),
      );
    } catch {
      // The sender learns it from the next forwarded message's notice, or from its own view.
    }
  };

  const publishCast = (target: string, envelope: CastEnvelope) => {
    if (target === node) {
      receiveCast(envelope);
      return;
    }
    connection.publish(castSubject(cluster, target), encode(envelope));
  };

  /** A call for this node: answered by its agent, held while it moves, or MOVED elsewhere. */
  const receiveCall = (msg: Msg, waited = false) => {
    const envelope = decode(msg);
    if (!envelope) {
      malformed += 1;
      respond(msg, { ok: false, code: 'CLUSTER_INVALID_ARGUMENT', message: 'malformed call' });
      return;
    }
    if (ahead(envelope.epoch, envelope.to)) {
      parked.push({ epoch: envelope.epoch as number, until: clock.now() + PARK_MS, call: msg });
      return;
    }
    const state = hosting.get(envelope.to);
    if (state?.kind === 'moving') {
      state.calls.push(msg);
      return;
    }
    const placed = state === undefined ? locate(envelope.to) : undefined;
    if (placed !== undefined && placed.node !== node) {
      transport.answerMoved([msg], placed);
      return;
    }
    if (state === undefined && !waited && waitForLog(envelope.to, placed, { call: msg })) return;
    if (system === undefined) return;
    callsServed += 1;
    const timeout =
      typeof envelope.timeout === 'number' && envelope.timeout > 0 ? envelope.timeout : undefined;
    system.call(envelope.to, envelope.message, timeout === undefined ? {} : { timeout }).then(
      (value) => respond(msg, { ok: true, value }),
      (failure: unknown) => respond(msg, describeFailure(failure)),
    );
  };

  /** A MOVED notice or a placement announcement: where an agent runs, as of an epoch. */
  const takeNotice = (msg: Msg) => {
    try {
      const notice = JSON.parse(read.decode(msg.data)) as {
        agent: string;
        node: string;
        epoch: number;
      };
      if (
        typeof notice?.agent === 'string' &&
        typeof notice.node === 'string' &&
        Number.isSafeInteger(notice.epoch)
      ) {
        learn(notice.agent, { node: notice.node, epoch: notice.epoch });
      } else malformed += 1;
    } catch {
      malformed += 1;
    }
  };

  /** Asks any member with a control plane where `agent` is placed. */
  const lookUp = async (agent: string, timeout: number) => {
    if (timeout < 1) return undefined;
    try {
      const answer = await connection.request(placementSubject(cluster), text.encode(agent), {
        timeout,
      });
      const where = JSON.parse(read.decode(answer.data)) as { node: string; epoch: number } | null;
      return typeof where?.node === 'string' && Number.isSafeInteger(where.epoch)
        ? where
        : undefined;
    } catch {
      return undefined;
    }
  };

  const transport: NodeTransport = {
    stream,
    sequences,
    locate,
    send(ref, message) {
      if (closed || connection.isClosed()) return false;
      const placed = locate(ref.id);
      // Numbered even when unplaced: the receiver restores order if the agent moves meanwhile.
      const envelope: CastEnvelope = {
        to: ref.id,
        message,
        epoch: placed?.epoch ?? 0,
        stream,
        seq: (nextSeq.get(ref.id) ?? 0) + 1,
      };
      // Refused before it is numbered: a message JSON cannot carry leaves no gap.
      const payload = encode(envelope);
      nextSeq.set(ref.id, envelope.seq as number);
      const target = placed?.node ?? ref.node;
      if (target === node) receiveCast(envelope);
      else connection.publish(castSubject(cluster, target), payload);
      castsSent += 1;
      return true;
    },

    ...(durable === undefined
      ? {}
      : { sendAtLeastOnce: (ref: AgentRef, message: unknown) => durable.store(ref, message) }),

    async call(ref, message, timeoutMs) {
      if (closed || connection.isClosed()) throw refuseClosed(ref);
      const deadline = clock.now() + timeoutMs;
      callsSent += 1;
      for (let redirects = 0; ; redirects++) {
        const placed = locate(ref.id);
        const target = placed?.node ?? ref.node;
        const remaining = Math.max(1, Math.round(deadline - clock.now()));
        const payload = encode({
          to: ref.id,
          message,
          timeout: remaining,
          ...(placed === undefined ? {} : { epoch: placed.epoch }),
        });
        let response: Msg;
        try {
          response = await connection.request(callSubject(cluster, target), payload, {
            timeout: remaining,
          });
        } catch (cause) {
          const failure = requestFailure(cause, { id: ref.id, node: target }, timeoutMs);
          // Nobody serves that node (it died): ask the members where the agent runs now.
          if (
            VarplaneError.isInstance(failure, 'CLUSTER_NODE_UNREACHABLE') &&
            redirects < MAX_REDIRECTS &&
            clock.now() < deadline - 50
          ) {
            const where = await lookUp(ref.id, Math.min(1_000, deadline - clock.now()));
            if (where !== undefined && where.node !== target) {
              learn(ref.id, where);
              continue;
            }
            if (where !== undefined) {
              // Placed on the dead node still: failover has not committed yet. Wait, ask again.
              await new Promise((resolve) => setTimeout(resolve, 200));
              if (clock.now() < deadline - 50) continue;
            }
          }
          throw failure;
        }
        let reply: Reply;
        try {
          reply = JSON.parse(read.decode(response.data)) as Reply;
        } catch (cause) {
          throw new ClusterError({
            code: 'CLUSTER_INVALID_REPLY',
            message: `node "${target}" answered a call to "${ref.id}" with something that is not a reply`,
            cause,
          });
        }
        if (reply?.ok === true) return reply.value;
        const moved = reply?.ok === false ? reply.moved : undefined;
        if (
          moved !== undefined &&
          typeof moved.node === 'string' &&
          typeof moved.epoch === 'number' &&
          redirects < MAX_REDIRECTS &&
          clock.now() < deadline
        ) {
          // MOVED: the agent went elsewhere; ask there (ref.node was only a hint).
          if (moved.node === target) await new Promise((resolve) => setTimeout(resolve, 20));
          learn(ref.id, moved);
          continue;
        }
        throw new VarplaneError({
          code: typeof reply?.code === 'string' ? reply.code : 'CLUSTER_INVALID_REPLY',
          message: `${ref.id} on ${target}: ${typeof reply?.message === 'string' ? reply.message : 'no message'}`,
        });
      }
    },

    announce(agent, placement) {
      if (closed || connection.isClosed()) return;
      try {
        connection.publish(
          placedSubject(cluster),
          text.encode(JSON.stringify({ agent, node: placement.node, epoch: placement.epoch })),
        );
      } catch {
        // Members without a view still learn from MOVED answers and placement lookups.
      }
    },

    flushParked() {
      if (parked.length === 0 || routing === undefined) return;
      const applied = routing.view().epoch;
      const now = clock.now();
      const waiting = parked;
      parked = [];
      for (const item of waiting) {
        if (item.epoch <= applied || (item.waited === true && item.until <= now)) {
          if (item.cast !== undefined) receiveCast(item.cast, item.waited);
          else if (item.call !== undefined) receiveCall(item.call, item.waited);
        } else if (item.until > now) parked.push(item);
        else if (item.cast !== undefined) expired += 1;
        else if (item.call !== undefined) {
          respond(item.call, {
            ok: false,
            code: 'CLUSTER_CONTROL_UNAVAILABLE',
            message: `node "${node}" has not applied placement epoch ${item.epoch} within ${PARK_MS} ms`,
          });
        }
      }
    },

    forward(target, envelopes) {
      for (const envelope of envelopes) publishCast(target, envelope);
    },

    redeliver(envelopes, calls) {
      for (const envelope of envelopes) receiveCast(envelope);
      for (const msg of calls) receiveCall(msg);
    },

    answerMoved(calls, placement) {
      for (const msg of calls) {
        respond(msg, {
          ok: false,
          code: 'CLUSTER_AGENT_MOVED',
          message: `the agent moved to "${placement.node}"`,
          moved: { node: placement.node, epoch: placement.epoch },
        });
      }
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

    serve(served, serveOptions = {}) {
      if (closed) throw refuseClosed({ id: '*', node });
      system = served;
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
            receiveCast(envelope as CastEnvelope);
          },
        }),
        ...(routing === undefined
          ? [
              connection.subscribe(placedSubject(cluster), {
                callback: (error, msg) => {
                  if (!error) takeNotice(msg);
                },
              }),
            ]
          : [
              connection.subscribe(placementSubject(cluster), {
                queue: 'placement',
                callback: (error, msg) => {
                  if (error) return;
                  const placed = routing.view().placement(read.decode(msg.data));
                  try {
                    msg.respond(
                      text.encode(
                        JSON.stringify(
                          placed === undefined ? null : { node: placed.node, epoch: placed.epoch },
                        ),
                      ),
                    );
                  } catch {
                    // The asker times out and keeps its hint.
                  }
                },
              }),
            ]),
        connection.subscribe(movedSubject(cluster, node), {
          callback: (error, msg) => {
            if (!error) takeNotice(msg);
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
              served.answer(
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
              const request = JSON.parse(read.decode(msg.data)) as
                | AgentSnapshot
                | { managed: ManagedAdopt }
                | { abort: { agent: string; expect: number } };
              if (typeof request === 'object' && request !== null && 'committed' in request) {
                const done = (request as { committed: { agent: string; epoch: number } }).committed;
                if (typeof done?.agent === 'string' && Number.isSafeInteger(done.epoch))
                  transport.onCommitted?.(done.agent, done.epoch);
                return;
              }
              if (typeof request === 'object' && request !== null && 'abort' in request) {
                const abort = request.abort;
                if (typeof abort?.agent === 'string' && typeof abort.expect === 'number')
                  transport.onAbort?.(abort.agent, abort.expect);
                respond(msg, { ok: true, value: null });
                return;
              }
              if (typeof request === 'object' && request !== null && 'managed' in request) {
                respond(
                  msg,
                  transport.onAdopt?.(request.managed) ?? {
                    ok: false,
                    code: 'CLUSTER_UNKNOWN_BEHAVIOUR',
                    message: `node "${node}" takes no placed agents (it has no control plane)`,
                  },
                );
                return;
              }
              const snapshot = request;
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
              const ref = served.adopt(snapshot, { behaviour });
              respond(msg, { ok: true, value: ref });
            } catch (failure) {
              malformed += 1;
              respond(msg, describeFailure(failure));
            }
          },
        }),
        connection.subscribe(callSubject(cluster, node), {
          callback: (error, msg) => {
            if (!error) receiveCall(msg);
          },
        }),
      );
    },

    stats: () => ({
      castsSent,
      callsSent,
      castsServed,
      callsServed,
      malformed,
      late: sequences.late,
      expired,
      waited,
    }),

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

function decode(msg: Msg): (Envelope & CastEnvelope) | undefined {
  try {
    const value = JSON.parse(read.decode(msg.data)) as Envelope & CastEnvelope;
    if (
      typeof value !== 'object' ||
      value === null ||
      typeof value.to !== 'string' ||
      value.to === ''
    )
      return undefined;
    // Numbers that cannot order anything are dropped: the message is delivered unnumbered.
    if (typeof value.stream !== 'string' || !Number.isSafeInteger(value.seq)) {
      delete value.stream;
      delete value.seq;
    }
    if (value.hops !== undefined && !Number.isSafeInteger(value.hops)) value.hops = MAX_HOPS;
    return value;
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
