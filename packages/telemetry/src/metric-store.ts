/** One stored value: a series at a time, for the team or for one agent. */
export interface MetricPoint {
  /** Clock time of the collection, in ms. */
  readonly at: number;
  /** `mailbox_depth`, `latency.p99`, `agent.messages_per_second`... */
  readonly series: string;
  readonly value: number;
  /** The agent the value belongs to; absent for team-wide series. */
  readonly agent?: string;
}

/** A time range, both ends included, optionally narrowed to some series or one agent. */
export interface MetricQuery {
  readonly from?: number;
  readonly to?: number;
  readonly series?: readonly string[];
  /** Only this agent's points; `null` for team-wide points only. */
  readonly agent?: string | null;
  /** At most this many points, the latest ones. */
  readonly limit?: number;
}

/**
 * Where a monitor keeps its history. Points are appended in time order, one collection at a time;
 * `query` returns them oldest first. Ships as an in-memory ring buffer ({@link createMemoryStore})
 * and as SQLite ({@link createSqliteStore}) for history that survives a restart.
 */
export interface MetricStore {
  /** `memory`, `sqlite`, or a custom store's name. */
  readonly kind: string;
  append(points: readonly MetricPoint[]): void;
  query(query?: MetricQuery): MetricPoint[];
  /** Points held now. */
  size(): number;
  close(): void;
}

/** True when `point` matches `query`'s filters other than the time range. */
export function matchesQuery(point: MetricPoint, query: MetricQuery, series?: ReadonlySet<string>) {
  if (series !== undefined && !series.has(point.series)) return false;
  if (query.agent === null) return point.agent === undefined;
  if (query.agent !== undefined) return point.agent === query.agent;
  return true;
}
