import { VarplaneError } from '@varplane/core';
import { formatIssues, toErrorInfo } from '@varplane/core/internal';
import { TelemetryOptionsError } from './errors';

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

function invalid(subject: string, path: string, message: string, value: unknown): never {
  const issues = [{ path, message, value }];
  throw new TelemetryOptionsError({
    code: 'TELEMETRY_INVALID_OPTIONS',
    message: `${subject}: ${formatIssues(issues)}`,
    issues,
  });
}

/**
 * Refuses points a store could not give back as they were: a value that is not a finite number
 * (NaN, Infinity, which SQLite would turn into NULL, a string, a bigint), a time that is not a
 * finite number, an empty series, an agent that is not a string.
 */
export function checkPoints(
  points: unknown,
  subject: string,
): asserts points is readonly MetricPoint[] {
  if (!Array.isArray(points)) invalid(subject, 'points', 'must be an array of points', points);
  readable(subject, 'points', () => checkEach(points, subject));
}

function checkEach(points: readonly unknown[], subject: string): void {
  points.forEach((point: unknown, i) => {
    if (typeof point !== 'object' || point === null) {
      invalid(subject, `points.${i}`, 'must be a point { at, series, value }', point);
    }
    const p = point as Record<string, unknown>;
    if (typeof p.at !== 'number' || !Number.isFinite(p.at)) {
      invalid(subject, `points.${i}.at`, 'must be a finite number (ms)', p.at);
    }
    if (typeof p.series !== 'string' || p.series === '') {
      invalid(subject, `points.${i}.series`, 'must be a non-empty string', p.series);
    }
    if (typeof p.value !== 'number' || !Number.isFinite(p.value)) {
      invalid(subject, `points.${i}.value`, 'must be a finite number', p.value);
    }
    if (p.agent !== undefined && typeof p.agent !== 'string') {
      invalid(subject, `points.${i}.agent`, 'must be a string when given', p.agent);
    }
  });
}

/** Refuses a query that is not an object (`null`, a string), before a store reads its fields. */
export function checkQuery(query: unknown, subject: string): asserts query is MetricQuery {
  const shape = 'must be an object { from, to, series, agent, limit }';
  if (
    readable(
      subject,
      'query',
      () => typeof query !== 'object' || query === null || Array.isArray(query),
    )
  ) {
    invalid(subject, 'query', shape, query);
  }
  // Read every field once now: a query whose getters throw is refused here, not inside a store.
  readable(subject, 'query', () => {
    const q = query as Record<string, unknown>;
    for (const key of ['from', 'to', 'series', 'agent', 'limit']) void q[key];
    if (Array.isArray(q.series)) for (const name of q.series) void String(name);
  });
}

// Runs a check over input whose reads may throw (a Proxy, a getter): such input is refused.
function readable<T>(subject: string, path: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (VarplaneError.isInstance(error)) throw error;
    return invalid(subject, path, `could not be read (${toErrorInfo(error).message})`, undefined);
  }
}
