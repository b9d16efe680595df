import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VarplaneError } from '@varplane/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory-store';
import type { MetricPoint, MetricStore } from './metric-store';
import { createSqliteStore } from './sqlite-store';

const dir = mkdtempSync(join(tmpdir(), 'varplane-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const points: MetricPoint[] = [
  { at: 1_000, series: 'mailbox_depth', value: 3 },
  { at: 1_000, series: 'agent.mailbox_depth', value: 2, agent: 'planner' },
  { at: 1_000, series: 'agent.mailbox_depth', value: 1, agent: 'coder' },
  { at: 2_000, series: 'mailbox_depth', value: 7 },
  { at: 2_000, series: 'errors', value: 1 },
  { at: 3_000, series: 'mailbox_depth', value: 4 },
  { at: 4_000, series: 'mailbox_depth', value: 9 },
];

const stores: Array<[string, (retentionMs?: number) => MetricStore]> = [
  ['memory', (retentionMs) => createMemoryStore(retentionMs === undefined ? {} : { retentionMs })],
  [
    'sqlite',
    (retentionMs) =>
      createSqliteStore({
        path: join(dir, `store-${files++}.db`),
        ...(retentionMs === undefined ? {} : { retentionMs }),
      }),
  ],
];

describe.each(stores)('%s store', (_kind, make) => {
  it('returns the points of a time range, both ends included, oldest first', () => {
    const store = make();
    store.append(points);
    expect(store.query({ from: 2_000, to: 3_000 })).toEqual([
      { at: 2_000, series: 'mailbox_depth', value: 7 },
      { at: 2_000, series: 'errors', value: 1 },
      { at: 3_000, series: 'mailbox_depth', value: 4 },
    ]);
    expect(store.query()).toEqual(points);
    expect(store.size()).toBe(7);
    store.close();
  });

  it('narrows a query to series, to one agent or to team-wide points, and to the latest n', () => {
    const store = make();
    store.append(points);
    expect(store.query({ series: ['errors'] })).toEqual([
      { at: 2_000, series: 'errors', value: 1 },
    ]);
    expect(store.query({ agent: 'coder' })).toEqual([
      { at: 1_000, series: 'agent.mailbox_depth', value: 1, agent: 'coder' },
    ]);
    expect(store.query({ agent: null, from: 1_000, to: 1_000 })).toEqual([points[0]]);
    expect(store.query({ series: ['mailbox_depth'], limit: 2 }).map((p) => p.value)).toEqual([
      4, 9,
    ]);
    expect(store.query({ series: [] })).toEqual([]);
    store.close();
  });

  it('drops points older than the retention as new ones arrive', () => {
    const store = make(1_500);
    store.append(points);
    expect(store.query().map((p) => p.at)).toEqual([3_000, 4_000]);
    store.close();
  });

  it('refuses points that go back in time, with a typed error naming both times', () => {
    const store = make();
    store.append(points);
    try {
      store.append([{ at: 500, series: 'x', value: 1 }]);
      expect.unreachable();
    } catch (error) {
      expect(VarplaneError.isInstance(error, 'STORAGE_OUT_OF_ORDER')).toBe(true);
      expect((error as Error).message).toMatch(/got 500 after 4000/);
    }
    expect(store.size()).toBe(7);
    store.close();
  });

  it('refuses values it could not give back: NaN, Infinity, strings, bigints; and a null query', () => {
    const store = make();
    for (const [value, shown] of [
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      ['7', '"7"'],
      [7n, '7n'],
    ] as const) {
      expect(() => store.append([{ at: 1, series: 'x', value: value as number }])).toThrowError(
        new RegExp(`points\\.0\\.value: must be a finite number \\(got ${shown}\\)`),
      );
    }
    expect(() => store.append([{ at: 1, series: '', value: 1 }])).toThrowError(/points\.0\.series/);
    expect(() => store.query(null as never)).toThrowError(
      /query: query: must be an object .*\(got null\)/,
    );
    expect(store.size()).toBe(0);
    store.append([{ at: 1, series: 'x', value: 1e308 }]);
    expect(store.query()).toEqual([{ at: 1, series: 'x', value: 1e308 }]);
    store.close();
  });
});

describe('createMemoryStore', () => {
  it('overwrites the oldest points past its capacity and still finds ranges', () => {
    const store = createMemoryStore({ capacity: 4 });
    for (let i = 1; i <= 10; i++) store.append([{ at: i * 100, series: 's', value: i }]);
    expect(store.size()).toBe(4);
    expect(store.query().map((p) => p.value)).toEqual([7, 8, 9, 10]);
    expect(store.query({ from: 850, to: 950 }).map((p) => p.value)).toEqual([9]);
  });
});

describe('createSqliteStore', () => {
  it('keeps history across a restart: a new store on the same file sees the old points', () => {
    const path = join(dir, 'restart.db');
    const first = createSqliteStore({ path });
    first.append(points);
    first.close();
    const second = createSqliteStore({ path });
    expect(second.query({ from: 3_000 })).toEqual(points.slice(5));
    // Appending continues after the stored history, and still refuses going back in time.
    second.append([{ at: 5_000, series: 'mailbox_depth', value: 1 }]);
    expect(() => second.append([{ at: 4_500, series: 'mailbox_depth', value: 1 }])).toThrowError(
      /got 4500 after 5000/,
    );
    expect(second.size()).toBe(8);
    second.close();
  });

  it('reports a file it cannot open as STORAGE_FAILED naming the path', () => {
    try {
      createSqliteStore({ path: join(dir, 'missing-folder', 'x.db') });
      expect.unreachable();
    } catch (error) {
      expect(VarplaneError.isInstance(error, 'STORAGE_FAILED')).toBe(true);
      expect((error as Error).message).toMatch(/missing-folder/);
    }
  });

  it('rejects options without a path', () => {
    expect(() => createSqliteStore({} as never)).toThrowError(/createSqliteStore: path/);
  });
  it('refuses a query or points it cannot read (a Proxy whose traps throw) with a typed error', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
        getPrototypeOf: () => {
          throw new Error('trap');
        },
      },
    );
    const store = createMemoryStore();
    for (const call of [
      () => store.query(hostile as never),
      () => store.append([hostile] as never),
    ]) {
      expect(call).toThrowError(
        expect.objectContaining({
          code: 'TELEMETRY_INVALID_OPTIONS',
          message: expect.stringContaining('could not be read (trap)'),
        }),
      );
    }
    expect(store.query({})).toEqual([]);
  });
});
