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
  type AgentRef,
  type Clock,
  createRandom,
  type MultiAgentSpace,
  type Random,
  systemClock,
} from '@varplane/core';
import {
  type ActorSystem,
  type ActorSystemOptions,
  type AnyBehaviour,
  createActorSystem,
} from '@varplane/runtime';
import { type Observable, Subject } from 'rxjs';
import { z } from 'zod';
import { AgentHost, type ClusterEvent } from './agent-host';
import type { ControlPlane, RestartType } from './control-plane';
import { type DurableQueue, type DurableQueueOptions, startDurableQueue } from './durable-queue';
import { ClusterError } from './errors';
import { FailureDetector } from './failure-detector';
import { Hosting } from './internal/hosting';
import { registerManaged } from './internal/managed';
import { parseArgument } from './internal/parse';
import { connectNats } from './nats-connection';
import { createNatsRaftTransport, type NatsRaftTransport } from './nats-raft-transport';
import { type NatsRemoteTransport, openNodeTransport } from './nats-remote-transport';
import { natsServersSchema } from './nats-server-address';
import { distributeAgents, type PlacementStrategy } from './placement';
import { createRaftControlPlane, type RaftControlPlane } from './raft-control-plane';

export interface StartClusterNodeOptions {
  readonly cluster: string;
  /** This node's name: the `node` of its agents' refs and its Raft id. */
  readonly node: string;
  /** NATS servers, each `nats://host:port` or `host:port`; the connection fails over between them. */
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
  /**
   * The behaviours this node can run for placed agents: started here, moved here, or restarted
   * here after their node went down. Every node that may host an agent must list its behaviour.
   */
  readonly behaviours?: readonly AnyBehaviour[];
  /**
   * The control plane for placement and membership when it is not the embedded Raft (for one,
   * `createEtcdControlPlane`); the caller owns it and closes it after `stop`. With it a node hosts
   * placed agents without `peers`; with `peers` too, the Raft log replicates only the variables.
   */
  readonly controlPlane?: ControlPlane;
  /** How often membership is renewed, in ms. Default 200. */
  readonly heartbeatMs?: number;
  /** Without a renewal for this long a node fences its own agents, in ms. Default 1,000. */
  readonly leaseMs?: number;
  /** The leader declares a node down after this long without its renewal; above `leaseMs`. Default 2,000. */
  readonly downAfterMs?: number;
  /** Placed agents that handled mail are checkpointed this often, in ms; 0 never. Default 1,000. */
  readonly checkpointMs?: number;
  /** Where `placeAgent` without a node, and failover, put agents. Default `least_loaded`. */
  readonly placement?: PlacementStrategy;
  /**
   * How long a placed agent's node waits for a sender's earlier send before it delivers the later
   * ones (during a move mail takes two paths), in ms. One that comes later still is delivered
   * out of order (counted as `late` in the transport's stats). Default 1,000.
   */
  readonly reorderWaitMs?: number;
}

/** Options of `placeAgent`. */
export interface PlaceAgentOptions {
  readonly id: string;
  readonly args?: unknown;
  /** Default `permanent`: restarted elsewhere when its node is declared down. */
  readonly restart?: RestartType;
  /** Default: chosen by the node's placement strategy among the live members. */
  readonly node?: string;
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
  /**
   * Present on voters (the Raft one) or with `controlPlane`: placement, membership and
   * checkpoints, committed through consensus.
   */
  readonly control: ControlPlane | undefined;
  /** Agents hosted, moved, restarted; this node fenced; nodes declared down. */
  readonly events$: Observable<ClusterEvent>;
  /**
   * Starts `behaviour` as agent `options.id` under a committed placement: it runs on one node at a
   * time, follows `migrateAgent`, and is restarted elsewhere when its node is declared down.
   * Resolves with its ref once the placement is committed (mail sent from then on waits for it).
   */
  placeAgent(behaviour: AnyBehaviour, options: PlaceAgentOptions): Promise<AgentRef>;
  /** Placed agents running on this node now, with their placement epochs. */
  hosted(): Array<{ agent: string; epoch: number }>;
  /** Stops agents, then Raft, then the NATS link. */
  stop(): Promise<void>;
}

const ms = z.number().int().min(1).max(600_000);
const optionsSchema = z
  .object({
    cluster: z.string().min(1),
    node: z.string().min(1),
    servers: natsServersSchema,
    peers: z.array(z.string().min(1)).min(1).optional(),
    tickMs: z.number().int().min(1).max(60_000).optional(),
    atLeastOnce: z.union([z.boolean(), z.object({}).passthrough()]).optional(),
    behaviours: z
      .array(
        z.custom<AnyBehaviour>(
          (v) =>
            typeof v === 'object' && v !== null && typeof (v as AnyBehaviour).name === 'string',
          'expected a behaviour with a name',
        ),
      )
      .optional(),
    controlPlane: z
      .custom<ControlPlane>(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          typeof (v as ControlPlane).place === 'function' &&
          typeof (v as ControlPlane).watch === 'function' &&
          typeof (v as ControlPlane).view === 'function',
        'expected a ControlPlane',
      )
      .optional(),
    heartbeatMs: ms.optional(),
    leaseMs: ms.optional(),
    downAfterMs: ms.optional(),
    checkpointMs: z.number().int().min(0).max(600_000).optional(),
    reorderWaitMs: z.number().int().min(1).max(600_000).optional(),
    placement: z
      .enum(['least_loaded', 'consistent_hash', 'prefer_local', 'resource_aware'])
      .optional(),
  })
  .refine((o) => (o.leaseMs ?? 1_000) < (o.downAfterMs ?? 2_000), {
    message:
      'downAfterMs must be above leaseMs, so a node fences itself before it is declared down',
    path: ['downAfterMs'],
  });
const placeSchema = z.object({
  id: z.string().min(1).max(1_024),
  args: z.unknown().optional(),
  restart: z.enum(['permanent', 'transient', 'temporary']).optional(),
  node: z.string().min(1).optional(),
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
  const behaviours = new Map<string, AnyBehaviour>();
  for (const behaviour of parsed.behaviours ?? []) behaviours.set(behaviour.name, behaviour);
  const events = new Subject<ClusterEvent>();
  const hosting = new Hosting();
  let variables: ReplicatedVariableStore | undefined;
  let raftControl: RaftControlPlane | undefined;
  if (parsed.peers) {
    variables = options.space ? createReplicatedVariableStore({ space: options.space }) : undefined;
  }
  if (parsed.peers && options.controlPlane === undefined) {
    raftControl = createRaftControlPlane({
      node: parsed.node,
      ...(variables ? { others: variables.stateMachine } : {}),
    });
  }
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
  const control: ControlPlane | undefined = options.controlPlane ?? raftControl;
  const plane = control;
  const transport = openNodeTransport({
    connection,
    cluster: parsed.cluster,
    node: parsed.node,
    ...(durable === undefined ? {} : { durable }),
    ...(plane === undefined
      ? {}
      : {
          routing: {
            view: () => plane.view(),
            hosting,
            clock,
            ...(parsed.reorderWaitMs === undefined ? {} : { reorderWaitMs: parsed.reorderWaitMs }),
          },
        }),
  });
  const system = createActorSystem({
    ...options.system,
    node: parsed.node,
    transport,
    clock,
    random: random.fork(),
  });
  transport.serve(system, { behaviours: [...behaviours.values()] });
  await durable?.serve(
    system,
    plane === undefined
      ? undefined
      : {
          // Here (running, held or leaving: the runtime passes on what a move leaves) or not placed.
          placedOn: (agent) =>
            hosting.get(agent) === undefined ? transport.locate(agent)?.node : undefined,
        },
  );
  const stopRelaying =
    durable === undefined || plane === undefined ? undefined : relayDownQueues(plane, durable);

  let raft: RaftNode | undefined;
  let raftTransport: NatsRaftTransport | undefined;
  let host: AgentHost | undefined;
  let detector: FailureDetector | undefined;
  if (parsed.peers) {
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
      snapshotEvery: 10_000,
      ...(raftControl !== undefined
        ? { stateMachine: raftControl.stateMachine }
        : variables !== undefined
          ? { stateMachine: variables.stateMachine }
          : {}),
    });
    variables?.connect(raft);
    raftControl?.connect(raft);
  }
  if (control !== undefined) {
    host = new AgentHost({
      node: parsed.node,
      system,
      control,
      transport,
      hosting,
      behaviours,
      clock,
      events,
      checkpointMs: parsed.checkpointMs ?? 1_000,
    });
    detector = new FailureDetector({
      node: parsed.node,
      control,
      host,
      clock,
      heartbeatMs: parsed.heartbeatMs ?? 200,
      leaseMs: parsed.leaseMs ?? 1_000,
      downAfterMs: parsed.downAfterMs ?? 2_000,
      strategy: parsed.placement ?? 'least_loaded',
    });
    detector.start();
    registerManaged(system, { control, host, transport, hosting });
  }
  const strategy = parsed.placement ?? 'least_loaded';

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
    control,
    events$: events.asObservable(),
    async placeAgent(behaviour, placeOptions) {
      const o = parseArgument(placeSchema, placeOptions, 'placeAgent: options');
      if (control === undefined || host === undefined) {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_ARGUMENT',
          message: `placeAgent: node "${parsed.node}" takes no part in consensus (give it peers)`,
        });
      }
      let node = o.node;
      if (node === undefined) {
        const view = control.view();
        const live = [...view.members().values()].filter((member) => member.status === 'up');
        const load = new Map<string, number>();
        for (const placement of view.placements().values())
          load.set(placement.node, (load.get(placement.node) ?? 0) + 1);
        const plan = distributeAgents(
          [{ id: o.id }],
          (live.length > 0 ? live.map((member) => member.node) : [parsed.node]).map((id) => ({
            id,
            agents: load.get(id) ?? 0,
          })),
          { strategy, localNode: parsed.node, random: random.int(0, 2 ** 31) },
        );
        node = plan.placements[o.id] ?? parsed.node;
      }
      return host.place(behaviour, o.id, node, o.restart ?? 'permanent', o.args);
    },
    hosted: () => host?.running() ?? [],
    stop: () => {
      stopping ??= (async () => {
        detector?.stop();
        await stopRelaying?.();
        host?.close();
        await raftControl?.close();
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

/**
 * While a node is down nobody serves its at-least-once queue: every other node relays it, passing
 * each message on to where its agent was placed again, until the node joins again.
 */
function relayDownQueues(control: ControlPlane, durable: DurableQueue): () => Promise<void> {
  const relays = new Map<string, Promise<(() => Promise<void>) | undefined>>();
  const start = (node: string) => {
    if (node === control.node || relays.has(node)) return;
    relays.set(
      node,
      durable.relay(node).catch(() => undefined),
    );
  };
  const stop = (node: string) => {
    const relay = relays.get(node);
    relays.delete(node);
    void relay?.then((end) => end?.());
  };
  for (const member of control.view().members().values())
    if (member.status === 'down') start(member.node);
  const unwatch = control.watch((change) => {
    if (change.type === 'down') start(change.node);
    else if (change.type === 'joined') stop(change.node);
  });
  return async () => {
    unwatch();
    const pending = [...relays.values()];
    relays.clear();
    await Promise.all(pending.map((relay) => relay.then((end) => end?.())));
  };
}
