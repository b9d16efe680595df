import { createRequire } from 'node:module';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { StorageError } from './errors';
import { parseOptions } from './internal/parse';
import {
  checkPoints,
  checkQuery,
  type MetricPoint,
  type MetricQuery,
  type MetricStore,
} from './metric-store';

// The part of better-sqlite3 this store uses, so the package's types do not need the driver.
interface Statement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}
interface Database {
  pragma(source: string): unknown;
  exec(source: string): unknown;
  prepare(source: string): Statement;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}
type DatabaseConstructor = new (path: string) => Database;

const optionsSchema = z
  .object({
    /** The database file; `:memory:` for a throwaway one. */
    path: z.string().min(1),
    /** Points older than the newest minus this are deleted as new ones arrive. */
    retentionMs: z.number().positive().optional(),
  })
  .strict();

export type SqliteStoreOptions = z.input<typeof optionsSchema>;

interface Row {
  at: number;
  series: string;
  agent: string;
  value: number;
}

let driver: DatabaseConstructor | undefined;

// better-sqlite3 is an optional peer dependency: loaded on first use, so users who keep history in
// memory never compile it.
function loadDriver(): DatabaseConstructor {
  if (driver !== undefined) return driver;
  try {
    driver = createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
    return driver;
  } catch (cause) {
    throw new StorageError({
      code: 'SQLITE_UNAVAILABLE',
      message:
        "storage.backend 'sqlite' needs the optional peer dependency better-sqlite3 12.x: install it with `pnpm add better-sqlite3@12` (it compiles a native addon)",
      cause,
    });
  }
}

function fail(operation: string, cause: unknown): StorageError {
  const why = cause instanceof Error ? cause.message : describeValue(cause);
  return new StorageError({
    code: 'STORAGE_FAILED',
    message: `sqlite ${operation}: ${why}`,
    cause,
  });
}

/**
 * A store in a SQLite file (better-sqlite3 12), for history that survives a restart: reopen the
 * same path and `query` returns what earlier runs wrote. Writes of one collection go in one
 * transaction; the table is indexed by time and by series.
 *
 * @example
 * const store = createSqliteStore({ path: './varplane-metrics.db', retentionMs: 7 * 86_400_000 });
 */
export function createSqliteStore(options: SqliteStoreOptions): MetricStore {
  const { path, retentionMs } = parseOptions(optionsSchema, options, 'createSqliteStore');
  const Driver = loadDriver();
  let db: Database;
  try {
    db = new Driver(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS metric_points (
        at REAL NOT NULL,
        series TEXT NOT NULL,
        agent TEXT NOT NULL DEFAULT '',
        value REAL NOT NULL
      );
      CREATE INDEX IF NOT EXISTS metric_points_at ON metric_points (at);
      CREATE INDEX IF NOT EXISTS metric_points_series_at ON metric_points (series, at);
    `);
  } catch (cause) {
    throw fail(`open ${describeValue(path)}`, cause);
  }
  const insert = db.prepare(
    'INSERT INTO metric_points (at, series, agent, value) VALUES (?, ?, ?, ?)',
  );
  const prune = db.prepare('DELETE FROM metric_points WHERE at < ?');
  const count = db.prepare('SELECT COUNT(*) AS n FROM metric_points');
  const latest = db.prepare('SELECT MAX(at) AS at FROM metric_points');
  const appendAll = db.transaction((points: readonly MetricPoint[]) => {
    for (const p of points) insert.run(p.at, p.series, p.agent ?? '', p.value);
    if (retentionMs !== undefined && points.length > 0) {
      prune.run((points[points.length - 1] as MetricPoint).at - retentionMs);
    }
  });
  let newest = (latest.get() as { at: number | null }).at ?? Number.NEGATIVE_INFINITY;
  let closed = false;

  const select = (query: MetricQuery): MetricPoint[] => {
    const where = ['at >= ?', 'at <= ?'];
    const params: unknown[] = [query.from ?? -Number.MAX_VALUE, query.to ?? Number.MAX_VALUE];
    if (query.series !== undefined) {
      if (query.series.length === 0) return [];
      where.push(`series IN (${query.series.map(() => '?').join(', ')})`);
      params.push(...query.series);
    }
    if (query.agent !== undefined) {
      where.push('agent = ?');
      params.push(query.agent ?? '');
    }
    // rowid keeps the order of insertion among points of the same time.
    let sql = `SELECT rowid AS id, at, series, agent, value FROM metric_points WHERE ${where.join(' AND ')}`;
    if (query.limit !== undefined) {
      sql = `SELECT * FROM (${sql} ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at ASC, id ASC`;
      params.push(query.limit);
    } else {
      sql += ' ORDER BY at ASC, id ASC';
    }
    const rows = db.prepare(sql).all(...params) as Row[];
    return rows.map((row) =>
      row.agent === ''
        ? { at: row.at, series: row.series, value: row.value }
        : { at: row.at, series: row.series, value: row.value, agent: row.agent },
    );
  };

  return {
    kind: 'sqlite',
    append(points) {
      if (closed)
        throw new StorageError({ code: 'STORAGE_FAILED', message: 'append: the store is closed' });
      checkPoints(points, `${'sqlite'} store append`);
      let previous = newest;
      for (const point of points) {
        if (point.at < previous) {
          throw new StorageError({
            code: 'STORAGE_OUT_OF_ORDER',
            message: `append: points.at must not go back in time (got ${describeValue(point.at)} after ${previous})`,
          });
        }
        previous = point.at;
      }
      try {
        appendAll(points);
      } catch (cause) {
        throw fail('append', cause);
      }
      newest = previous;
    },
    query(query = {}) {
      checkQuery(query, `${'sqlite'} store query`);
      try {
        return select(query);
      } catch (cause) {
        throw fail('query', cause);
      }
    },
    size: () => (count.get() as { n: number }).n,
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
