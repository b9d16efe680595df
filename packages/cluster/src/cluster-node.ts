import type { NatsConnection } from '@nats-io/transport-node';
import {
  createMemoryStorage,
  createReplicatedVariableStore,
  type RaftNode,
  type RaftStorage,
  type ReplicatedVariableStore,
  startRaftNode,
} from '@varplane/consensus-raft';
import {
  type Clock,
  createRandom,
  type MultiAgentSpace,
  type Random,
  systemClock,
} from '@varplane/core';
import { type ActorSystem, type ActorSystemOptions, createActorSystem } from '@varplane/runtime';
import { z } from 'zod';
import { type DurableQueue, type DurableQueueOptions, startDurableQueue } from './durable-queue';
import { ClusterError } from './errors';
import { parseArgument } from './internal/parse';
import { connectNats } from './nats-connection';
import { createNatsRaftTransport, type NatsRaftTransport } from './nats-raft-transport';
import { createNatsRemoteTransport, type NatsRemoteTransport } from './nats-remote-transport';

export interface StartClusterNodeOptions {
  readonly cluster: string;
  /** This node's name: the `node` of its agents' refs and its Raft id. */
  readonly node: string;
  /** NATS server URLs; the connection fails over between them. */
  readonly servers: string | readonly string[];
  /**
   * The Raft voters (node names), this node among them. Leave out for a node that only sends and
   * hosts agents and takes no part in consensus.
   */
  readonly peers?: readonly string[];
  /** The space whose orchestration variables the log replicates (`scope: 'cluster'`). */
  readonly space?: MultiAgentSpace;
  /** Where this node's Raft log lives. Default: in memory. */
  readonly storage?: RaftStorage;
  /** Milliseconds per Raft tick; the election timeout is 10 ticks. Default 100. */
  readonly tickMs?: number;
  readonly clock?: Clock;
  readonly random?: Random;
  /**
   * At-least-once delivery (`send(to, message, { delivery: 'at-least-once' })`) through a
   * JetStream work queue per node: `true` for the defaults, or the queue's options. Needs
   * JetStream on the NATS servers. Without it such sends throw `CLUSTER_REQUIRED`.
   */
  readonly atLeastOnce?: boolean | Omit<DurableQueueOptions, 'connection' | 'cluster' | 'node'>;
  /** Options of this node's actor system (its node name and transport are set here). */
  readonly system?: Omit<ActorSystemOptions, 'node' | 'transport' | 'clock' | 'random'>;
}

/** One process's part of a cluster: its agents, its link to the others, its replica of the log. */
export interface ClusterNode {
  readonly node: string;
  readonly cluster: string;
  readonly system: ActorSystem;
  readonly connection: NatsConnection;
  readonly transport: NatsRemoteTransport;
  /** Present with `atLeastOnce`: this node's JetStream work queue. */
  readonly durable: DurableQueue | undefined;
  /** Present when the node is a Raft voter. */
  readonly raft: RaftNode | undefined;
  /** Present when `space` was given: cluster-scope variable values, the same on every voter. */
  readonly variables: ReplicatedVariableStore | undefined;
  /** Stops agents, then Raft, then the NATS link. */
  stop(): Promise<void>;
}

const optionsSchema = z.object({
  cluster: z.string().min(1),
  node: z.string().min(1),
  servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  peers: z.array(z.string().min(1)).min(1).optional(),
  tickMs: z.number().int().min(1).max(60_000).optional(),
  atLeastOnce: z.union([z.boolean(), z.object({}).passthrough()]).optional(),
});

/**
 * Starts this process's cluster node: a NATS connection with partition-aware settings, an actor
 * system whose refs to other nodes go over NATS, and (for voters) a Raft node over NATS whose log
 * replicates the space's cluster-scope variables.
 *
 * @example
 * const member = await startClusterNode({
 *   cluster: 'team', node: 'n1', servers: 'nats://127.0.0.1:4222', peers: ['n1', 'n2', 'n3'], space,
 * });
 * member.system.spawn(worker, undefined, { id: 'coder' }); // reachable as { id: 'coder', node: 'n1' }
 * await member.variables?.setVariable('reasoning_net', 'star'); // applied on n1, n2 and n3, in order
 */
export async function startClusterNode(options: StartClusterNodeOptions): Promise<ClusterNode> {
  const parsed = parseArgument(optionsSchema, options, 'startClusterNode');
  if (parsed.peers && !parsed.peers.includes(parsed.node)) {
    throw new ClusterError({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: `startClusterNode: peers must include node "${parsed.node}"`,
    });
  }
  const clock = options.clock ?? systemClock;
  const random = options.random ?? createRandom(Date.now() >>> 0);
  const connection = await connectNats(parsed.servers, `${parsed.cluster}/${parsed.node}`);
  const durable = options.atLeastOnce
    ? await startDurableQueue({
        ...(options.atLeastOnce === true ? {} : options.atLeastOnce),
        connection,
        cluster: parsed.cluster,
        node: parsed.node,
      }).catch(async (error: unknown) => {
        await connection.close();
        throw error;
      })
    : undefined;
  const transport = createNatsRemoteTransport({
    connection,
    cluster: parsed.cluster,
    node: parsed.node,
    ...(durable === undefined ? {} : { durable }),
  });
  const system = createActorSystem({
    ...options.system,
    node: parsed.node,
    transport,
    clock,
    random: random.fork(),
  });
  transport.serve(system);
  await durable?.serve(system);

  let raft: RaftNode | undefined;
  let raftTransport: NatsRaftTransport | undefined;
  let variables: ReplicatedVariableStore | undefined;
  if (parsed.peers) {
    variables = options.space ? createReplicatedVariableStore({ space: options.space }) : undefined;
    raftTransport = createNatsRaftTransport({
      connection,
      cluster: parsed.cluster,
      id: parsed.node,
    });
    raft = await startRaftNode({
      id: parsed.node,
      peers: parsed.peers,
      storage: options.storage ?? createMemoryStorage(),
      transport: raftTransport,
      clock,
      random: random.fork(),
      ...(parsed.tickMs === undefined ? {} : { tickMs: parsed.tickMs }),
      ...(variables ? { stateMachine: variables.stateMachine } : {}),
    });
    variables?.connect(raft);
  }

  let stopping: Promise<void> | undefined;
  return {
    node: parsed.node,
    cluster: parsed.cluster,
    system,
    connection,
    transport,
    durable,
    raft,
    variables,
    stop: () => {
      stopping ??= (async () => {
        await durable?.close();
        await system.shutdown();
        await transport.close();
        await raft?.stop().catch(() => undefined);
        await raftTransport?.close();
        await connection.close();
      })();
      return stopping;
    },
  };
}
