import { z } from 'zod';
import { agentIdSchema } from './agent-ref';
import { parseOrThrow } from './internal/parse';

export const EDGE_TYPES = ['command', 'data', 'feedback', 'coordination', 'supervision'] as const;
export type EdgeType = (typeof EDGE_TYPES)[number];

export const COORDINATION_PATTERNS = ['broadcast', 'ring', 'star', 'mesh', 'custom'] as const;
export type CoordinationPattern = (typeof COORDINATION_PATTERNS)[number];

export const coordinationEdgeSchema = z.object({
  from: agentIdSchema,
  to: agentIdSchema,
  type: z.enum(EDGE_TYPES),
});
export type CoordinationEdge = z.infer<typeof coordinationEdgeSchema>;

/** Who talks to whom. Edges are directed; `topology` says how they were laid out. */
export interface CoordinationGraph {
  readonly nodes: readonly string[];
  readonly edges: readonly CoordinationEdge[];
  readonly topology: CoordinationPattern;
  /** The hub of a star (or the broadcaster of a broadcast). */
  readonly hub?: string;
}

/**
 * The directed edges a pattern lays over `nodes` (in their order):
 * - `broadcast`: the hub (first node by default) to every other node;
 * - `ring`: each node to the next, the last back to the first;
 * - `star`: the hub to every node and every node back to the hub;
 * - `mesh`: every node to every other node;
 * - `custom`: no edges; the caller connects agents itself.
 */
export function topologyEdges(
  pattern: CoordinationPattern,
  nodes: readonly string[],
  options: { hub?: string; type?: EdgeType } = {},
): CoordinationEdge[] {
  const parsed = parseOrThrow(
    topologyArgsSchema,
    { pattern, nodes, options },
    { code: 'INVALID_ARGUMENT', subject: 'topologyEdges' },
  );
  return layEdges(parsed.pattern, parsed.nodes, parsed.options);
}

const topologyArgsSchema = z.object({
  pattern: z.enum(COORDINATION_PATTERNS),
  nodes: z.array(z.string()),
  options: z.object({ hub: z.string().optional(), type: z.enum(EDGE_TYPES).optional() }),
});

function layEdges(
  pattern: CoordinationPattern,
  nodes: readonly string[],
  options: { hub?: string | undefined; type?: EdgeType | undefined },
): CoordinationEdge[] {
  const type = options.type ?? 'coordination';
  const hub = options.hub ?? nodes[0];
  const edges: CoordinationEdge[] = [];
  switch (pattern) {
    case 'broadcast':
      for (const node of nodes)
        if (node !== hub && hub !== undefined) edges.push({ from: hub, to: node, type });
      break;
    case 'star':
      for (const node of nodes) {
        if (node === hub || hub === undefined) continue;
        edges.push({ from: hub, to: node, type }, { from: node, to: hub, type });
      }
      break;
    case 'ring':
      if (nodes.length > 1) {
        nodes.forEach((node, i) => {
          edges.push({ from: node, to: nodes[(i + 1) % nodes.length] as string, type });
        });
      }
      break;
    case 'mesh':
      for (const from of nodes)
        for (const to of nodes) if (from !== to) edges.push({ from, to, type });
      break;
    case 'custom':
      break;
  }
  return edges;
}

/** The agents `agent` sends to, in edge order, without repeats. */
export function neighboursOf(graph: CoordinationGraph, agent: string): string[] {
  const edges = parseOrThrow(
    neighboursArgsSchema,
    { graph, agent },
    { code: 'INVALID_ARGUMENT', subject: 'neighboursOf' },
  ).graph.edges;
  const out = new Set<string>();
  for (const edge of edges) if (edge.from === agent) out.add(edge.to);
  return [...out];
}

const neighboursArgsSchema = z.object({
  graph: z.object({ edges: z.array(z.object({ from: z.string(), to: z.string() })) }),
  agent: z.string(),
});
