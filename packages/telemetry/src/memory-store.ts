import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { StorageError } from './errors';
import { parseOptions } from './internal/parse';
import {
  checkPoints,
  checkQuery,
  type MetricPoint,
  type MetricStore,
  matchesQuery,
} from './metric-store';

const optionsSchema = z
  .object({
    /** Points kept; the oldest are overwritten first. */
    capacity: z.number().int().positive().default(100_000),
    /** Points older than the newest minus this are dropped as new ones arrive. */
    retentionMs: z.number().positive().optional(),
  })
  .strict();

export type MemoryStoreOptions = z.input<typeof optionsSchema>;

/**
 * The default store: a fixed-size ring buffer in memory. Appends are O(1); a time-range query
 * finds its start by binary search, so it costs what it returns.
 *
 * @example
 * const store = createMemoryStore({ capacity: 50_000, retentionMs: 3_600_000 });
 * store.append([{ at: 1_000, series: 'mailbox_depth', value: 3 }]);
 * store.query({ from: 0, to: 2_000 }); // [{ at: 1_000, series: 'mailbox_depth', value: 3 }]
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MetricStore {
  const { capacity, retentionMs } = parseOptions(optionsSchema, options, 'createMemoryStore');
  const slots: (MetricPoint | undefined)[] = new Array(capacity);
  let start = 0;
  let length = 0;
  let closed = false;

  const at = (i: number) => slots[(start + i) % capacity] as MetricPoint;
  // First logical index whose time is >= t.
  const lowerBound = (t: number) => {
    let lo = 0;
    let hi = length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at(mid).at < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const dropOldest = (n: number) => {
    for (let i = 0; i < n; i++) slots[(start + i) % capacity] = undefined;
    start = (start + n) % capacity;
    length -= n;
  };

  return {
    kind: 'memory',
    append(points) {
      if (closed)
        throw new StorageError({ code: 'STORAGE_FAILED', message: 'append: the store is closed' });
      checkPoints(points, `${'memory'} store append`);
      for (const point of points) {
        const last = length === 0 ? undefined : at(length - 1);
        if (last !== undefined && point.at < last.at) {
          throw new StorageError({
            code: 'STORAGE_OUT_OF_ORDER',
            message: `append: points.at must not go back in time (got ${describeValue(point.at)} after ${last.at})`,
          });
        }
        if (length === capacity) dropOldest(1);
        slots[(start + length) % capacity] = point;
        length += 1;
      }
      if (retentionMs !== undefined && length > 0) {
        const cutoff = at(length - 1).at - retentionMs;
        const stale = lowerBound(cutoff);
        if (stale > 0) dropOldest(stale);
      }
    },
    query(query = {}) {
      checkQuery(query, `${'memory'} store query`);
      const series = query.series === undefined ? undefined : new Set(query.series);
      const to = query.to ?? Number.POSITIVE_INFINITY;
      const out: MetricPoint[] = [];
      for (let i = lowerBound(query.from ?? Number.NEGATIVE_INFINITY); i < length; i++) {
        const point = at(i);
        if (point.at > to) break;
        if (matchesQuery(point, query, series)) out.push(point);
      }
      return query.limit !== undefined && out.length > query.limit
        ? out.slice(out.length - query.limit)
        : out;
    },
    size: () => length,
    close() {
      closed = true;
      slots.fill(undefined);
      length = 0;
    },
  };
}
