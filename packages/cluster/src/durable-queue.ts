import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos, nuid } from '@nats-io/transport-node';
import type { AgentRef } from '@varplane/core';
import type { ActorSystem } from '@varplane/runtime';
import { z } from 'zod';
import { ClusterError } from './errors';
import { parseArgument } from './internal/parse';
import { subjectToken } from './subjects';

export interface DurableQueueOptions {
  /** A connection from `connectNats` (to a server with JetStream on); the caller closes it. */
  readonly connection: NatsConnection;
  readonly cluster: string;
  /** This node: it consumes its own queue and stores messages for any node's. */
  readonly node: string;
  /** Copies of each node's queue: 1 keeps it on one server; 3 survives a server loss. Default 1. */
  readonly replicas?: number;
  /**
   * Ms a handed-out message waits for its acknowledgement before JetStream redelivers it: how
   * soon a crashed node's messages come back. A slow `handle` is kept alive meanwhile. Default
   * 30,000.
   */
  readonly ackWaitMs?: number;
  /** Deliveries of one message before it is given up and counted as dead. Default 10. */
  readonly maxDeliver?: number;
  /** Ms before a message the agent could not take (absent, crashed on it) is offered again. Default 500. */
  readonly retryDelayMs?: number;
  /** Longest a `handle` may take before the message is offered again. Default 300,000. */
  readonly handleTimeoutMs?: number;
  /** Messages handed to agents and not yet acknowledged, at most. Default 256. */
  readonly maxInFlight?: number;
  /** How long a store keeps retrying (same message id, so no duplicate) before it fails. Default 10,000. */
  readonly storeTimeoutMs?: number;
  /**
   * Deadline for JetStream to answer at all: a clustered JetStream refuses its API until it has
   * a meta leader (about 5 s after the servers start). Default 20,000.
   */
  readonly readyTimeoutMs?: number;
}

export interface DurableQueueStats {
  /** Messages stored for some node's agents (acknowledged by JetStream). */
  readonly stored: number;
  /** Stores that failed past `storeTimeoutMs`. */
  readonly storeFailures: number;
  /** Messages handled by an agent here and acknowledged. */
  readonly acked: number;
  /** Deliveries that were redeliveries (after a crash or a retry). */
  readonly redelivered: number;
  /** Deliveries of a message this process had handled or was handling: not handled again. */
  readonly duplicates: number;
  /** Messages offered again because the agent was absent, crashed on them or timed out. */
  readonly retried: number;
  /** Messages given up after `maxDeliver` deliveries, or unreadable. */
  readonly dead: number;
  /** Messages passed on to the queue of the node their agent runs on now. */
  readonly forwarded: number;
}

/** Where placed agents run, for a queue whose messages may be for agents that moved. */
export interface DurableRouting {
  /**
   * The node `agent` is placed on, when it does not run here; undefined when it does, or when it
   * is not placed (then it is delivered here, as to any agent of this node).
   */
  readonly placedOn: (agent: string) => string | undefined;
}

/**
 * At-least-once delivery for one node: a JetStream work-queue stream per node. `store` puts a
 * message for an agent in the queue of the node hosting it (with a message id, so a retried
 * store is not a duplicate); `serve` hands this node's queue to its agents and acknowledges each
 * message only after the agent's `handle` returned, so a crash of this process redelivers it.
 */
export interface DurableQueue {
  /** Resolves once JetStream stored the message for `ref.node`'s queue. */
  store(ref: AgentRef, message: unknown): Promise<void>;
  /**
   * Starts delivering this node's queue to `system`'s agents. With `routing`, a message for an
   * agent placed on another node is passed on to that node's queue (acknowledged here only once
   * stored there), so at-least-once mail follows an agent that moved or was restarted elsewhere.
   */
  serve(system: ActorSystem, routing?: DurableRouting): Promise<void>;
  /**
   * Also consumes the queue of `node` (declared down: nobody serves it) and passes each message on
   * to where its agent runs now; resolves with a function that stops it (when `node` is back).
   * Needs `serve` with routing first.
   */
  relay(node: string): Promise<() => Promise<void>>;
  stats(): DurableQueueStats;
  /** Stops consuming (messages not yet acknowledged are redelivered later) and refuses stores. */
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
  replicas: z.number().int().min(1).max(5).default(1),
  ackWaitMs: z.number().int().min(100).max(3_600_000).default(30_000),
  maxDeliver: z.number().int().min(1).max(1_000).default(10),
  retryDelayMs: z.number().int().min(0).max(600_000).default(500),
  handleTimeoutMs: z
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .default(300_000),
  maxInFlight: z.number().int().min(1).max(100_000).default(256),
  storeTimeoutMs: z.number().int().min(1).max(600_000).default(10_000),
  readyTimeoutMs: z.number().int().min(1).max(600_000).default(20_000),
});

/** The subject a node's durable queue captures. */
export function durableSubject(cluster: string, node: string): string {
  return `vp.${subjectToken(cluster)}.n.${subjectToken(node)}.durable`;
}

/** The stream that holds a node's durable queue (stream names may not contain dots). */
export function durableStream(cluster: string, node: string): string {
  return `VP_${subjectToken(cluster)}_${subjectToken(node)}`;
}

/** How many handled message ids a process remembers to drop redeliveries of. */
const RECENT_IDS = 10_000;
/** Times a message may be passed on between queues before it is given up (stale views loop). */
const MAX_HOPS = 8;

const text = new TextEncoder();
const read = new TextDecoder();

/**
 * Durability, stated plainly: a message is on the server's disk once stored, but NATS 2.9 syncs
 * its files to disk only every 60 s (there is no `sync_interval` before 2.10), so a crash of the
 * operating system (not only of a process) can lose up to a minute of stored messages. With
 * `replicas: 3` a message is on three servers before it is acknowledged.
 *
 * @example
 * const queue = await startDurableQueue({ connection, cluster: 'team', node: 'n1' });
 * await queue.serve(system);
 * await queue.store({ id: 'coder', node: 'n2' }, { task: 42 }); // handled on n2, even if n2 crashes first
 */
export async function startDurableQueue(options: DurableQueueOptions): Promise<DurableQueue> {
  const config = parseArgument(optionsSchema, options, 'startDurableQueue');
  const { connection, cluster, node } = config;
  const manager = await waitForJetStream(connection, config.readyTimeoutMs);
  const client = jetstream(connection, { timeout: Math.min(5_000, config.storeTimeoutMs) });
  const incarnation = nuid.next();
  let sequence = 0;
  let closed = false;
  let consuming: ConsumerMessages | undefined;
  let served: ActorSystem | undefined;
  const relays = new Set<ConsumerMessages>();
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const inFlight = new Set<JsMsg>();
  // Message ids being handled or handled lately here: a redelivery of one (its ack was late, or
  // JetStream re-sent it meanwhile) is not handled twice by this process.
  const inHand = new Map<string, JsMsg>();
  const recent = new Set<string>();
  const ensured = new Map<string, Promise<void>>();
  const counts = {
    stored: 0,
    storeFailures: 0,
    acked: 0,
    redelivered: 0,
    duplicates: 0,
    retried: 0,
    dead: 0,
    forwarded: 0,
  };
  let routing: DurableRouting | undefined;

  const streamConfig = (target: string) => ({
    name: durableStream(cluster, target),
    subjects: [durableSubject(cluster, target)],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: config.replicas,
    duplicate_window: nanos(120_000),
  });

  /** Creates a node's stream unless it exists; the same config from every node, so adds agree. */
  const ensureStream = (target: string): Promise<void> => {
    let pending = ensured.get(target);
    if (pending === undefined) {
      pending = (async () => {
        const wanted = streamConfig(target);
        try {
          await manager.streams.info(wanted.name);
        } catch {
          await manager.streams.add(wanted);
        }
      })();
      pending.catch(() => ensured.delete(target));
      ensured.set(target, pending);
    }
    return pending;
  };

  const store = async (ref: AgentRef, message: unknown): Promise<void> => {
    if (closed) {
      throw new ClusterError({
        code: 'CLUSTER_TRANSPORT_CLOSED',
        message: `the durable queue of node "${node}" is closed; cannot store for "${ref.id}" on "${ref.node}"`,
      });
    }
    let payload: Uint8Array;
    try {
      payload = text.encode(JSON.stringify({ to: ref.id, message }));
    } catch (cause) {
      throw new ClusterError({
        code: 'CLUSTER_MESSAGE_NOT_SERIALIZABLE',
        message: `an at-least-once message to "${ref.id}" must be JSON: ${String((cause as Error)?.message ?? cause)}`,
        cause,
      });
    }
    // One id for every attempt: a retry after a lost acknowledgement is dropped as a duplicate.
    const msgID = `${subjectToken(node)}.${incarnation}.${++sequence}`;
    const deadline = Date.now() + config.storeTimeoutMs;
    let lastError: unknown;
    for (let attempt = 0; Date.now() < deadline && !closed; attempt++) {
      try {
        await ensureStream(ref.node);
        await client.publish(durableSubject(cluster, ref.node), payload, {
          msgID,
          timeout: Math.max(1, Math.min(5_000, deadline - Date.now())),
        });
        counts.stored += 1;
        return;
      } catch (error) {
        lastError = error;
        ensured.delete(ref.node);
        await sleep(Math.min(1_000, 50 * 2 ** attempt));
      }
    }
    counts.storeFailures += 1;
    throw new ClusterError({
      code: 'CLUSTER_NODE_UNREACHABLE',
      message: `could not store an at-least-once message for "${ref.id}" on "${ref.node}" within ${config.storeTimeoutMs} ms: ${String((lastError as Error)?.message ?? lastError ?? 'closed')}`,
      cause: lastError,
    });
  };

  const retry = (msg: JsMsg) => {
    if (msg.info.deliveryCount >= config.maxDeliver) {
      counts.dead += 1;
      msg.term(`given up after ${msg.info.deliveryCount} deliveries`);
      return;
    }
    counts.retried += 1;
    msg.nak(config.retryDelayMs);
  };

  const remember = (id: string) => {
    recent.add(id);
    if (recent.size > RECENT_IDS) {
      const oldest = recent.values().next().value;
      if (oldest !== undefined) recent.delete(oldest);
    }
  };

  /**
   * Stores a message again in `target`'s queue and acknowledges it here once stored there. The id
   * names the hop, so a redelivery passed on twice is one message there, while mail that comes
   * back to a queue it was in before (stale views) is not taken for a duplicate of itself.
   */
  const forward = (msg: JsMsg, id: string, target: string) => {
    if (id.split('>').length > MAX_HOPS) {
      counts.dead += 1;
      msg.term(`passed on ${MAX_HOPS} times without reaching its agent`);
      return;
    }
    inFlight.add(msg);
    (async () => {
      await ensureStream(target);
      await client.publish(durableSubject(cluster, target), msg.data, {
        msgID: `${id}>${subjectToken(target)}`,
        timeout: Math.min(5_000, config.storeTimeoutMs),
      });
    })().then(
      () => {
        inFlight.delete(msg);
        counts.forwarded += 1;
        msg.ack();
      },
      () => {
        inFlight.delete(msg);
        ensured.delete(target);
        retry(msg);
      },
    );
  };

  /** The routing's answer, or undefined (deliver here) when it throws or answers garbage. */
  const placedOn = (agent: string): string | undefined => {
    try {
      const answer = routing?.placedOn(agent);
      return typeof answer === 'string' && answer !== '' ? answer : undefined;
    } catch {
      return undefined;
    }
  };

  /** A message of `queue`'s: to its agent here, or on to the node the agent runs on now. */
  /** Binds to `queue`'s consumer (shared by whoever serves or relays it) and takes its messages. */
  const consumeQueue = async (system: ActorSystem, queue: string): Promise<ConsumerMessages> => {
    const stream = durableStream(cluster, queue);
    const durable = `vp-${subjectToken(queue)}`;
    await ensureStream(queue);
    await manager.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(config.ackWaitMs),
      max_ack_pending: config.maxInFlight,
    });
    const consumer = await client.consumers.get(stream, durable);
    return consumer.consume({
      max_messages: config.maxInFlight,
      callback: (msg) => onMessage(system, msg, queue),
    });
  };

  const onMessage = (system: ActorSystem, msg: JsMsg, queue: string) => {
    if (msg.redelivered) counts.redelivered += 1;
    const id = msg.headers?.get('Nats-Msg-Id') || `seq:${msg.seq}`;
    if (recent.has(id)) {
      counts.duplicates += 1;
      msg.ack();
      return;
    }
    // Still being handled from an earlier delivery: its acknowledgement covers this one.
    if (inHand.has(id)) {
      counts.duplicates += 1;
      return;
    }
    let envelope: { to?: unknown; message?: unknown };
    try {
      envelope = JSON.parse(read.decode(msg.data));
    } catch {
      envelope = {};
    }
    if (typeof envelope?.to !== 'string' || envelope.to === '') {
      counts.dead += 1;
      msg.term('not an at-least-once envelope');
      return;
    }
    const elsewhere = placedOn(envelope.to);
    if (elsewhere !== undefined && elsewhere !== queue) {
      forward(msg, id, elsewhere);
      return;
    }
    if (queue !== node) {
      // A down node's mail for an agent not re-placed yet: offered again after the retry delay.
      retry(msg);
      return;
    }
    inFlight.add(msg);
    inHand.set(id, msg);
    system.deliver(envelope.to, envelope.message, { timeout: config.handleTimeoutMs }).then(
      () => {
        inFlight.delete(msg);
        inHand.delete(id);
        remember(id);
        counts.acked += 1;
        msg.ack();
      },
      () => {
        inFlight.delete(msg);
        inHand.delete(id);
        retry(msg);
      },
    );
  };

  return {
    store,

    async serve(system, given) {
      if (closed) throw closedError(node);
      if (consuming !== undefined) {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_ARGUMENT',
          message: `the durable queue of node "${node}" is already served`,
        });
      }
      let route: unknown;
      try {
        route = given?.placedOn;
      } catch {
        route = undefined;
      }
      if (given !== undefined && typeof route !== 'function') {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_ARGUMENT',
          message: `serve: routing.placedOn must be a function, got ${typeof route}`,
        });
      }
      routing =
        given === undefined
          ? undefined
          : {
              placedOn: (agent) =>
                Reflect.apply(route as DurableRouting['placedOn'], given, [agent]),
            };
      served = system;
      consuming = await consumeQueue(system, node);
      // A long `handle` must not look like a crash: tell JetStream the message is in progress.
      keepAlive = setInterval(
        () => {
          for (const msg of inFlight) msg.working();
        },
        Math.max(50, Math.floor(config.ackWaitMs / 3)),
      );
      keepAlive.unref?.();
    },

    async relay(down) {
      if (closed) throw closedError(node);
      if (typeof down !== 'string' || down === '' || down === node) {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_ARGUMENT',
          message: `relay: expected another node's name, got ${JSON.stringify(down)}`,
        });
      }
      if (served === undefined || routing === undefined) {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_ARGUMENT',
          message: "relay: serve this node's queue with routing first",
        });
      }
      const relayed = await consumeQueue(served, down);
      relays.add(relayed);
      return async () => {
        relays.delete(relayed);
        await relayed.close().catch(() => undefined);
      };
    },

    stats: () => ({ ...counts }),

    async close() {
      if (closed) return;
      closed = true;
      if (keepAlive !== undefined) clearInterval(keepAlive);
      inFlight.clear();
      await consuming?.close().catch(() => undefined);
      await Promise.all([...relays].map((relayed) => relayed.close().catch(() => undefined)));
      relays.clear();
    },
  };
}

/** Asks JetStream until it answers: a clustered one refuses its API until a meta leader exists. */
async function waitForJetStream(
  connection: NatsConnection,
  timeoutMs: number,
): Promise<JetStreamManager> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const manager = await jetstreamManager(connection, {
        timeout: Math.max(1, Math.min(2_000, deadline - Date.now())),
      });
      await manager.getAccountInfo();
      return manager;
    } catch (error) {
      lastError = error;
      await sleep(200);
    }
  }
  throw new ClusterError({
    code: 'CLUSTER_JETSTREAM_UNAVAILABLE',
    message: `JetStream did not answer within ${timeoutMs} ms (is it enabled, and does the NATS cluster have a meta leader?): ${String((lastError as Error)?.message ?? lastError)}`,
    cause: lastError,
  });
}

function closedError(node: string): ClusterError {
  return new ClusterError({
    code: 'CLUSTER_TRANSPORT_CLOSED',
    message: `the durable queue of node "${node}" is closed`,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
