import { type CoordinationGraph, InvalidArgumentError } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { parseOrThrow } from './internal/parse';

// Only what the table reads: each edge's ends. Other edge fields are the graph's business.
const graphSchema = z.object({
  edges: z.array(z.object({ from: z.string(), to: z.string() })),
});

const neighboursSchema = z.array(z.string()).nullable();

function checkAgentId(operation: string, agentId: unknown): void {
  if (typeof agentId === 'string') return;
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${operation}: agentId must be a string (got ${describeValue(agentId)})`,
    issues: [{ path: 'agentId', message: 'must be a string', value: agentId }],
  });
}

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

  const setGraph = (given: CoordinationGraph, subject = 'setGraph') => {
    const next = parseOrThrow(graphSchema, given, {
      code: 'INVALID_ARGUMENT',
      subject,
      prefix: 'graph',
    });
    fromGraph = new Map();
    for (const edge of next.edges) {
      const list = fromGraph.get(edge.from);
      if (list === undefined) fromGraph.set(edge.from, [edge.to]);
      else if (!list.includes(edge.to)) list.push(edge.to);
    }
    cache = new Map();
  };
  setGraph(graph, 'createLiveTopology');

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
    setGraph: (next) => setGraph(next),
    setOverride(agentId, given) {
      checkAgentId('setOverride', agentId);
      const neighbours = parseOrThrow(neighboursSchema, given, {
        code: 'INVALID_ARGUMENT',
        subject: 'setOverride',
        prefix: 'neighbours',
      });
      if (neighbours === null) overrides.delete(agentId);
      else overrides.set(agentId, [...neighbours]);
      cache = new Map();
    },
    exclude(agentId, out) {
      checkAgentId('exclude', agentId);
      if (out) excluded.add(agentId);
      else excluded.delete(agentId);
      cache = new Map();
    },
  };
}
