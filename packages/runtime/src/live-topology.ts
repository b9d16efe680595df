import type { CoordinationGraph } from '@varplane/core';

/**
 * Who each running agent talks to, read at send time by `ctx.neighbours()` and `ctx.broadcast()`.
 * Re-wiring swaps the lookup table and nothing else: messages already in mailboxes stay where they
 * are, so a topology change loses nothing in flight.
 */
export interface LiveTopology {
  neighbours(agentId: string): readonly string[];
  /** Lays the table out again from the space's graph (edges in order, without repeats). */
  setGraph(graph: CoordinationGraph): void;
  /** Gives one agent its own list (from an `updateCommunication` directive); null clears it. */
  setOverride(agentId: string, neighbours: readonly string[] | null): void;
  /** Agents nobody talks to any more (degraded after a failure); they vanish from every list. */
  exclude(agentId: string, excluded: boolean): void;
}

export function createLiveTopology(graph: CoordinationGraph): LiveTopology {
  let fromGraph = new Map<string, string[]>();
  const overrides = new Map<string, readonly string[]>();
  const excluded = new Set<string>();
  const empty: readonly string[] = [];
  let cache = new Map<string, readonly string[]>();

  const setGraph = (next: CoordinationGraph) => {
    fromGraph = new Map();
    for (const edge of next.edges) {
      const list = fromGraph.get(edge.from);
      if (list === undefined) fromGraph.set(edge.from, [edge.to]);
      else if (!list.includes(edge.to)) list.push(edge.to);
    }
    cache = new Map();
  };
  setGraph(graph);

  return {
    neighbours(agentId) {
      let list = cache.get(agentId);
      if (list === undefined) {
        const raw = overrides.get(agentId) ?? fromGraph.get(agentId) ?? empty;
        list = excluded.size === 0 ? raw : raw.filter((id) => !excluded.has(id));
        cache.set(agentId, list);
      }
      return list;
    },
    setGraph,
    setOverride(agentId, neighbours) {
      if (neighbours === null) overrides.delete(agentId);
      else overrides.set(agentId, [...neighbours]);
      cache = new Map();
    },
    exclude(agentId, out) {
      if (out) excluded.add(agentId);
      else excluded.delete(agentId);
      cache = new Map();
    },
  };
}
