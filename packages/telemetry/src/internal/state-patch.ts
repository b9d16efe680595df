import type { AgentRow, DashboardState } from '../dashboard-state';
import type { EdgeSnapshot } from '../metrics-snapshot';

/**
 * The dashboard's state as a page holds it, keyed so that two versions can be compared cheaply:
 * whole fields as their JSON text, agents by id and edges by `from, to, type`. One is built per
 * frame and shared by every page that is up to date.
 */
export interface WireState {
  readonly version: number;
  readonly fields: ReadonlyMap<string, string>;
  readonly agents: ReadonlyMap<string, AgentRow>;
  readonly edges: ReadonlyMap<string, EdgeSnapshot>;
  /** Sequence number of the newest feed item. */
  readonly feedSeq: number;
}

// Fields sent whole when they change. Agents, edges and the feed go by their own rules.
const WHOLE_FIELDS = [
  'title',
  'space',
  'now',
  'collectionIntervalMs',
  'window',
  'tree',
  'nodes',
  'edgeSummary',
  'series',
  'alerts',
  'adaptations',
  'runs',
  'cluster',
] as const;

export const edgeKey = (e: { from: string; to: string; type: string }) =>
  `${e.from}\u0000${e.to}\u0000${e.type}`;

export function toWireState(state: DashboardState, version: number): WireState {
  const whole: Record<(typeof WHOLE_FIELDS)[number], unknown> = {
    title: state.title,
    space: state.space,
    now: state.now,
    collectionIntervalMs: state.collectionIntervalMs,
    window: state.window,
    tree: state.tree,
    nodes: state.topology.nodes,
    edgeSummary: { totalEdges: state.topology.totalEdges, hidden: state.topology.hidden },
    series: state.series,
    alerts: state.alerts,
    adaptations: state.adaptations,
    runs: state.runs,
    cluster: state.cluster,
  };
  const fields = new Map<string, string>();
  for (const name of WHOLE_FIELDS) fields.set(name, JSON.stringify(whole[name]));
  return {
    version,
    fields,
    agents: new Map(state.agents.map((a) => [a.id, a])),
    edges: new Map(state.topology.edges.map((e) => [edgeKey(e), e])),
    feedSeq: state.feed.at(-1)?.seq ?? 0,
  };
}

/** A full frame: everything a page needs to draw from nothing. */
export function fullFrame(state: DashboardState, wire: WireState, extra: string): string {
  return `{"v":${wire.version},"full":${JSON.stringify(state)}${extra}}`;
}

/**
 * What turns `base` into `next`, as JSON text: changed whole fields under `set`, agents as their
 * changed fields only (`id` plus what differs) with removed ids, edges whose rate changed, and feed
 * items newer than the page has. Undefined when nothing changed.
 */
export function patchFrame(
  base: WireState,
  next: WireState,
  feed: DashboardState['feed'],
): string | undefined {
  const parts: string[] = [];
  const set: string[] = [];
  for (const [name, json] of next.fields) {
    if (base.fields.get(name) !== json) set.push(`${JSON.stringify(name)}:${json}`);
  }
  if (set.length > 0) parts.push(`"set":{${set.join(',')}}`);

  const upserts: string[] = [];
  for (const [id, row] of next.agents) {
    const old = base.agents.get(id);
    if (old === row) continue;
    if (old === undefined) {
      upserts.push(JSON.stringify(row));
      continue;
    }
    const changed: Record<string, unknown> = { id };
    let any = false;
    for (const key of Object.keys(row) as (keyof AgentRow)[]) {
      if (row[key] !== old[key]) {
        changed[key] = row[key];
        any = true;
      }
    }
    if (any) upserts.push(JSON.stringify(changed));
  }
  const removed: string[] = [];
  for (const id of base.agents.keys()) if (!next.agents.has(id)) removed.push(JSON.stringify(id));
  if (upserts.length > 0 || removed.length > 0) {
    parts.push(`"agents":{"upsert":[${upserts.join(',')}],"remove":[${removed.join(',')}]}`);
  }

  const edgeUpserts: string[] = [];
  for (const [key, edge] of next.edges) {
    const old = base.edges.get(key);
    if (old !== undefined && old.messagesPerSecond === edge.messagesPerSecond) continue;
    edgeUpserts.push(JSON.stringify(edge));
  }
  const edgeRemoved: string[] = [];
  for (const [key, edge] of base.edges) {
    if (!next.edges.has(key)) edgeRemoved.push(JSON.stringify([edge.from, edge.to, edge.type]));
  }
  if (edgeUpserts.length > 0 || edgeRemoved.length > 0) {
    parts.push(`"edges":{"upsert":[${edgeUpserts.join(',')}],"remove":[${edgeRemoved.join(',')}]}`);
  }

  if (next.feedSeq > base.feedSeq) {
    parts.push(`"feed":${JSON.stringify(feed.filter((item) => item.seq > base.feedSeq))}`);
  }
  if (parts.length === 0) return undefined;
  return `{"v":${next.version},"base":${base.version},${parts.join(',')}`;
}
