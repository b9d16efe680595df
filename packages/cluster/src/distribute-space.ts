import type { AgentRef, MultiAgentSpace } from '@varplane/core';
import { idRecord, parseOrThrow } from '@varplane/core/internal';
import type { AnyBehaviour } from '@varplane/runtime';
import { z } from 'zod';
import type { ClusterNode } from './cluster-node';
import { ClusterError } from './errors';
import { distributeAgents, type PlacementPlan, type PlacementStrategy } from './placement';

/** Options of {@link distributeSpace}. */
export interface DistributeSpaceOptions {
  /** The behaviours the space's agents name; every node must run them too (`behaviours`). */
  readonly behaviours: readonly AnyBehaviour[];
  /** Default `least_loaded`; `prefer_local` keeps agents on the first node while they fit. */
  readonly strategy?: PlacementStrategy;
  /** Free capacity per node (`memory`, `cpu`): an agent reserves its `resources` on its node. */
  readonly capacity?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Seed of `least_loaded`'s random choices. Default 0. */
  readonly seed?: number;
}

/** A space's agents running across nodes. */
export interface DistributedSpace {
  readonly plan: PlacementPlan;
  /** Each agent's ref, once its placement is committed. */
  readonly refs: Readonly<Record<string, AgentRef>>;
}

const failure = (options: { code: string; message: string }) =>
  new ClusterError({ code: 'CLUSTER_INVALID_ARGUMENT', message: options.message });

const nodesSchema = z
  .array(
    z.custom<ClusterNode>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as ClusterNode).node === 'string' &&
        typeof (v as ClusterNode).placeAgent === 'function',
      'expected a ClusterNode (from startClusterNode)',
    ),
  )
  .min(1, 'needs at least one node');
const optionsSchema = z
  .object({
    behaviours: z.array(
      z.custom<AnyBehaviour>(
        (v) => typeof v === 'object' && v !== null && typeof (v as AnyBehaviour).name === 'string',
        'expected a behaviour with a name',
      ),
    ),
    strategy: z
      .enum(['least_loaded', 'consistent_hash', 'prefer_local', 'resource_aware'])
      .optional(),
    // Keyed by node ids: `__proto__` is an ordinary one.
    capacity: idRecord(z.record(z.string(), z.number().finite().min(0))).optional(),
    seed: z.number().int().optional(),
  })
  .strict();

// A Proxy or getter that throws while read is refused like any other non-space.
function isReadableSpace(space: unknown): space is MultiAgentSpace {
  try {
    const agents = (space as MultiAgentSpace | null)?.agents;
    return typeof space === 'object' && typeof agents === 'object' && agents !== null;
  } catch {
    return false;
  }
}

/**
 * Runs `space`'s agents across `nodes` by a `distributeAgents` plan: each one is placed (committed
 * through the control plane of the first node) on the node the plan names, with its supervision's
 * restart type and `args`. Nothing is placed when an agent fits nowhere
 * (`CLUSTER_PLACEMENT_INFEASIBLE`) or names a behaviour not given (`CLUSTER_UNKNOWN_BEHAVIOUR`).
 *
 * @example
 * const { refs } = await distributeSpace(space, [n1, n2, n3], { behaviours: [planner, coder] });
 */
export async function distributeSpace(
  space: MultiAgentSpace,
  nodes: readonly ClusterNode[],
  options: DistributeSpaceOptions,
): Promise<DistributedSpace> {
  if (!isReadableSpace(space)) {
    throw new ClusterError({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: `distributeSpace: space must be a MultiAgentSpace (got ${space === null ? 'null' : typeof space})`,
    });
  }
  const members = parseOrThrow(nodesSchema, nodes, {
    code: 'CLUSTER_INVALID_ARGUMENT',
    subject: 'distributeSpace',
    prefix: 'nodes',
    error: failure,
  });
  const o = parseOrThrow(optionsSchema, options, {
    code: 'CLUSTER_INVALID_ARGUMENT',
    subject: 'distributeSpace',
    prefix: 'options',
    error: failure,
  });
  const behaviours = new Map(o.behaviours.map((b) => [b.name, b] as const));
  const agents = Object.values(space.agents);
  for (const agent of agents) {
    if (!behaviours.has(agent.behaviour)) {
      throw new ClusterError({
        code: 'CLUSTER_UNKNOWN_BEHAVIOUR',
        message: `distributeSpace: agent "${agent.id}" runs behaviour "${agent.behaviour}", not among options.behaviours`,
      });
    }
  }
  const plan = distributeAgents(
    agents.map((agent) => ({
      id: agent.id,
      demand: { memory: agent.resources.memory, cpu: agent.resources.cpuWeight },
    })),
    members.map((member) => ({
      id: member.node,
      ...(o.capacity === undefined || !Object.hasOwn(o.capacity, member.node)
        ? {}
        : { capacity: o.capacity[member.node] }),
    })),
    {
      strategy: o.strategy ?? 'least_loaded',
      random: o.seed ?? 0,
      localNode: (members[0] as ClusterNode).node,
    },
  );
  if (plan.unplaced.length > 0) {
    const first = plan.unplaced[0];
    throw new ClusterError({
      code: 'CLUSTER_PLACEMENT_INFEASIBLE',
      message: `distributeSpace: ${plan.unplaced.length} agent(s) fit no node, "${first?.agent}" first (${first?.reason})`,
    });
  }
  const coordinator = members[0] as ClusterNode;
  const refs: Record<string, AgentRef> = Object.create(null);
  for (const agent of agents) {
    refs[agent.id] = await coordinator.placeAgent(behaviours.get(agent.behaviour) as AnyBehaviour, {
      id: agent.id,
      node: plan.placements[agent.id] as string,
      restart: agent.supervision.restart,
      ...(agent.args === undefined ? {} : { args: agent.args }),
    });
  }
  return { plan, refs };
}
