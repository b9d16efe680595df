import { createRandom, type Random } from '@varplane/core';
import { idRecord } from '@varplane/core/internal';
import { z } from 'zod';
import { ClusterError } from './errors';
import { parseArgument } from './internal/parse';

/** How {@link distributeAgents} chooses a node for each agent. */
export type PlacementStrategy =
  | 'least_loaded'
  | 'consistent_hash'
  | 'prefer_local'
  | 'resource_aware';

/** A node that can host agents: what it has left of each resource it accounts for. */
export interface PlacementNode {
  readonly id: string;
  /**
   * Free capacity per resource kind (`memory`, `cpu`, `tokens`...). A kind the node does not list
   * is not accounted on it and never limits it.
   */
  readonly capacity?: Readonly<Record<string, number>>;
  /** Agents it already hosts; the load that `least_loaded` balances. Default 0. */
  readonly agents?: number;
}

/** An agent to place, with what it reserves on the node that hosts it. */
export interface PlacementAgent {
  readonly id: string;
  readonly demand?: Readonly<Record<string, number>>;
}

export interface DistributeAgentsOptions {
  /** Default `least_loaded`. */
  readonly strategy?: PlacementStrategy;
  /** The node `prefer_local` keeps agents on while they fit. */
  readonly localNode?: string;
  /** Seed or generator for `least_loaded`'s two random choices. Default seed 0. */
  readonly random?: Random | number;
  /** Points per node on the `consistent_hash` ring. Default 64. */
  readonly virtualNodes?: number;
}

/** A placement plan: data, applied by whoever owns the placement table. */
export interface PlacementPlan {
  /** `agentId -> nodeId` for every agent that fits somewhere (a null-prototype record). */
  readonly placements: Readonly<Record<string, string>>;
  /** Agents no node can take, each with the resource that ran out. */
  readonly unplaced: ReadonlyArray<{ readonly agent: string; readonly reason: string }>;
  /** What each node has left after the plan (a null-prototype record). */
  readonly remaining: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

const amount = z.number().finite().nonnegative();
// Keyed by resource kinds the user names: `__proto__` is an ordinary one.
const resources = idRecord(amount);
const optionsSchema = z.object({
  nodes: z
    .array(
      z.object({
        id: z.string().min(1),
        capacity: resources.optional(),
        agents: z.number().int().nonnegative().optional(),
      }),
    )
    .min(1)
    .max(10_000),
  agents: z.array(z.object({ id: z.string().min(1), demand: resources.optional() })).max(1_000_000),
  strategy: z.enum(['least_loaded', 'consistent_hash', 'prefer_local', 'resource_aware']),
  localNode: z.string().optional(),
  virtualNodes: z.number().int().min(1).max(1_024),
});

interface NodeState {
  id: string;
  free: Record<string, number>;
  agents: number;
}

/**
 * Plans where each agent runs. Pure: the same input gives the same plan. A node's accounted
 * resources are never over-committed: an agent goes only where every resource it demands fits,
 * and agents that fit nowhere are listed in `unplaced`, never forced.
 *
 * - `least_loaded`: two random nodes that fit, the one hosting fewer agents (power of two choices).
 * - `consistent_hash`: the agent id's point on a ring of nodes, so adding a node moves few agents.
 * - `prefer_local`: `localNode` while agents fit there, then `least_loaded`.
 * - `resource_aware`: largest demands first, each where the tightest resource keeps most headroom.
 *
 * @example
 * const plan = distributeAgents(
 *   [{ id: 'coder', demand: { memory: 512 } }, { id: 'reviewer', demand: { memory: 256 } }],
 *   [{ id: 'n1', capacity: { memory: 600 } }, { id: 'n2', capacity: { memory: 600 } }],
 *   { strategy: 'resource_aware' },
 * );
 * plan.placements; // { coder: 'n1', reviewer: 'n2' }
 */
export function distributeAgents(
  agents: readonly PlacementAgent[],
  nodes: readonly PlacementNode[],
  options: DistributeAgentsOptions = {},
): PlacementPlan {
  const input = parseArgument(
    optionsSchema,
    {
      agents,
      nodes,
      strategy: options.strategy ?? 'least_loaded',
      localNode: options.localNode,
      virtualNodes: options.virtualNodes ?? 64,
    },
    'distributeAgents',
  );
  const states = new Map<string, NodeState>();
  for (const node of input.nodes) {
    if (states.has(node.id)) {
      throw invalid(
        `distributeAgents: node ids must be unique, ${JSON.stringify(node.id)} repeats`,
      );
    }
    states.set(node.id, {
      id: node.id,
      free: Object.assign(Object.create(null), node.capacity),
      agents: node.agents ?? 0,
    });
  }
  const seen = new Set<string>();
  for (const agent of input.agents) {
    if (seen.has(agent.id)) {
      throw invalid(
        `distributeAgents: agent ids must be unique, ${JSON.stringify(agent.id)} repeats`,
      );
    }
    seen.add(agent.id);
  }
  if (
    input.strategy === 'prefer_local' &&
    (input.localNode === undefined || !states.has(input.localNode))
  ) {
    throw invalid('distributeAgents: prefer_local needs localNode, one of the nodes');
  }
  const random =
    typeof options.random === 'object' ? options.random.fork() : createRandom(options.random ?? 0);
  const all = [...states.values()];
  const ring = input.strategy === 'consistent_hash' ? buildRing(all, input.virtualNodes) : [];
  const order =
    input.strategy === 'resource_aware'
      ? [...input.agents].sort((a, b) => largestDemand(b.demand) - largestDemand(a.demand))
      : input.agents;

  const placements: Record<string, string> = Object.create(null);
  const unplaced: Array<{ agent: string; reason: string }> = [];
  for (const agent of order) {
    const demand = agent.demand ?? {};
    const fitting = all.filter((node) => fits(node, demand));
    let chosen: NodeState | undefined;
    if (fitting.length > 0) {
      switch (input.strategy) {
        case 'least_loaded':
          chosen = twoChoices(fitting, random);
          break;
        case 'prefer_local': {
          const local = states.get(input.localNode as string) as NodeState;
          chosen = fits(local, demand) ? local : twoChoices(fitting, random);
          break;
        }
        case 'consistent_hash':
          chosen = onRing(ring, agent.id, (node) => fits(node, demand));
          break;
        case 'resource_aware':
          chosen = mostHeadroom(fitting, demand);
          break;
      }
    }
    if (!chosen) {
      unplaced.push({ agent: agent.id, reason: shortage(all, demand) });
      continue;
    }
    for (const [kind, need] of Object.entries(demand)) {
      if (Object.hasOwn(chosen.free, kind))
        chosen.free[kind] = (chosen.free[kind] as number) - need;
    }
    chosen.agents += 1;
    placements[agent.id] = chosen.id;
  }
  const remaining: Record<string, Record<string, number>> = Object.create(null);
  for (const node of all) remaining[node.id] = node.free;
  return { placements, unplaced, remaining };
}

function fits(node: NodeState, demand: Readonly<Record<string, number>>): boolean {
  for (const [kind, need] of Object.entries(demand)) {
    const free = Object.hasOwn(node.free, kind)
      ? (node.free[kind] as number)
      : Number.POSITIVE_INFINITY;
    if (need > free) return false;
  }
  return true;
}

function twoChoices(fitting: NodeState[], random: Random): NodeState {
  if (fitting.length === 1) return fitting[0] as NodeState;
  const first = random.int(0, fitting.length - 1);
  let second = random.int(0, fitting.length - 2);
  if (second >= first) second += 1;
  const a = fitting[first] as NodeState;
  const b = fitting[second] as NodeState;
  return b.agents < a.agents ? b : a;
}

function largestDemand(demand: Readonly<Record<string, number>> | undefined): number {
  return Math.max(0, ...Object.values(demand ?? {}));
}

/** The node whose scarcest accounted resource keeps the largest share after placing the agent. */
function mostHeadroom(fitting: NodeState[], demand: Readonly<Record<string, number>>): NodeState {
  let best = fitting[0] as NodeState;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const node of fitting) {
    let score = Number.POSITIVE_INFINITY;
    for (const [kind, need] of Object.entries(demand)) {
      if (!Object.hasOwn(node.free, kind)) continue;
      score = Math.min(score, (node.free[kind] as number) - need);
    }
    // Ties (or nothing accounted) go to the node hosting fewer agents.
    if (score > bestScore || (score === bestScore && node.agents < best.agents)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

function shortage(nodes: NodeState[], demand: Readonly<Record<string, number>>): string {
  for (const [kind, need] of Object.entries(demand)) {
    const most = Math.max(
      ...nodes.map((node) =>
        Object.hasOwn(node.free, kind) ? (node.free[kind] as number) : Infinity,
      ),
    );
    if (need > most) return `${kind}: needs ${need}, the most any node has free is ${most}`;
  }
  return 'no single node has every resource it needs free at once';
}

interface RingPoint {
  point: number;
  node: NodeState;
}

function buildRing(nodes: NodeState[], virtualNodes: number): RingPoint[] {
  const ring: RingPoint[] = [];
  for (const node of nodes) {
    for (let v = 0; v < virtualNodes; v++) ring.push({ point: fnv1a(`${node.id}#${v}`), node });
  }
  return ring.sort((a, b) => a.point - b.point || (a.node.id < b.node.id ? -1 : 1));
}

/** The first node clockwise from the key's point that accepts it. */
function onRing(ring: RingPoint[], key: string, accepts: (node: NodeState) => boolean) {
  const point = fnv1a(key);
  let low = 0;
  let high = ring.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((ring[mid] as RingPoint).point < point) low = mid + 1;
    else high = mid;
  }
  for (let i = 0; i < ring.length; i++) {
    const candidate = (ring[(low + i) % ring.length] as RingPoint).node;
    if (accepts(candidate)) return candidate;
  }
  return undefined;
}

/**
 * 32-bit FNV-1a over UTF-16 code units, then murmur3's finalizer: FNV alone clusters ids that
 * differ only in their last characters (`agent-1`, `agent-2`) on the ring. Stable across
 * processes and versions, so every node computes the same ring.
 */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function invalid(message: string): ClusterError {
  return new ClusterError({ code: 'CLUSTER_INVALID_ARGUMENT', message });
}
