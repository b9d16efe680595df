import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createManualClock,
  recordAdaptation,
  updateResourcePool,
  VarplaneError,
} from '@varplane/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createHandDrivenSpace,
  startedAll as started,
  threeAgentTeam as team,
} from '../test/hand-driven-space';
import { StorageError } from './errors';
import { createMemoryStore } from './memory-store';
import type { MetricStore } from './metric-store';
import type { MetricsSnapshot } from './metrics-snapshot';
import { collectMetrics, type MonitorErrorEvent, startMonitoring } from './monitor';

const dir = mkdtempSync(join(tmpdir(), 'varplane-monitor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startMonitoring: collection', () => {
  it('aggregates one window of stats reports into the tracked series', () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const monitor = startMonitoring(space, {
      clock,
      collectionIntervalMs: 1_000,
      metricsToTrack: ['mailbox_depth', 'messages_per_second', 'errors', 'error_rate'],
      aggregation: { mailbox_depth: 'average' },
    });
    const seen: MetricsSnapshot[] = [];
    monitor.metrics$.subscribe((s) => seen.push(s));
    started(space);
    clock.advance(500);
    space.report(500, [
      { agent: 'planner', mailboxDepth: 2, messagesHandled: 10 },
      { agent: 'coder', mailboxDepth: 6, messagesHandled: 4, errors: 1 },
      { agent: 'reviewer', mailboxDepth: 1, messagesHandled: 0 },
    ]);
    space.report(900, [
      { agent: 'planner', mailboxDepth: 4, messagesHandled: 30 },
      { agent: 'coder', mailboxDepth: 10, messagesHandled: 15, errors: 5 },
      { agent: 'reviewer', mailboxDepth: 1, messagesHandled: 0 },
    ]);
    clock.advance(500);

    expect(seen).toHaveLength(1);
    const snapshot = seen[0] as MetricsSnapshot;
    expect(snapshot.at).toBe(1_000);
    expect(snapshot.windowMs).toBe(1_000);
    // Depth samples 2, 6, 1, 4, 10, 1: average 4.
    expect(snapshot.series.mailbox_depth).toBe(4);
    // 30 + 15 + 0 messages in one second.
    expect(snapshot.series.messages_per_second).toBe(45);
    expect(snapshot.series.errors).toBe(5);
    // coder: 5 errors of 20 attempts; planner 0 of 30; reviewer attempted nothing.
    expect(snapshot.series.error_rate).toBe(0.25);
    expect(snapshot.agents.coder).toMatchObject({
      mailboxDepth: 10,
      messagesHandled: 15,
      messagesPerSecond: 15,
      errorsInWindow: 5,
      errorRate: 0.25,
      state: 'running',
      role: 'executor',
      behaviour: 'coder',
    });
    monitor.stop();
  });

  it('measures the next window from where the last one ended', () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const monitor = startMonitoring(space, { clock, collectionIntervalMs: 2_000 });
    started(space);
    space.report(100, [{ agent: 'coder', messagesHandled: 100, mailboxDepth: 3 }]);
    clock.advance(2_000);
    space.report(2_500, [{ agent: 'coder', messagesHandled: 160, mailboxDepth: 0 }]);
    clock.advance(2_000);
    const latest = monitor.latest() as MetricsSnapshot;
    expect(latest.sequence).toBe(2);
    expect(latest.agents.coder?.messagesPerSecond).toBe(30);
    expect(latest.activity.messagesHandled).toBe(60);
    // A quiet agent keeps its last depth as the window's sample.
    expect(latest.series.mailbox_depth).toBe(0);
    monitor.stop();
  });

  it('puts message rates on the edges whose sender counts sends, and spending on agents', () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const monitor = startMonitoring(space, { clock, collectionIntervalMs: 2_000 });
    started(space);
    space.report(100, [
      { agent: 'planner', sent: { coder: 10, reviewer: 4 }, tokens: 500, cost: 0.5 },
      { agent: 'coder', sent: {} },
    ]);
    clock.advance(2_000);
    space.report(2_500, [
      { agent: 'planner', sent: { coder: 30, reviewer: 4 }, tokens: 800, cost: 0.75 },
      { agent: 'coder', sent: { planner: 6 } },
    ]);
    clock.advance(2_000);
    const latest = monitor.latest() as MetricsSnapshot;
    const rate = (from: string, to: string) =>
      latest.edges.find((e) => e.from === from && e.to === to)?.messagesPerSecond;
    expect(rate('planner', 'coder')).toBe(10);
    // Counted, none sent in the window: a rate of 0.
    expect(rate('planner', 'reviewer')).toBe(0);
    expect(rate('coder', 'planner')).toBe(3);
    // The reviewer reports no per-destination counts: its edges have no rate at all.
    const fromReviewer = latest.edges.filter((e) => e.from === 'reviewer');
    expect(fromReviewer.length).toBeGreaterThan(0);
    for (const edge of fromReviewer) expect(edge).not.toHaveProperty('messagesPerSecond');
    expect(latest.agents.planner).toMatchObject({ tokens: 800, cost: 0.75, tokensPerSecond: 150 });
    expect(latest.activity.tokens).toBe(300);
    monitor.stop();
  });

  it('reports p50/p90/p99 of a user metric within the sketch error', () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const monitor = startMonitoring(space, {
      clock,
      metricsToTrack: ['lm_latency_ms'],
      aggregation: { lm_latency_ms: 'percentile' },
    });
    for (let i = 1; i <= 1_000; i++) monitor.record('lm_latency_ms', i);
    const snapshot = monitor.collect();
    // Exact ranks ⌊q·999⌋: 499 → 500, 899 → 900, 989 → 990.
    expect(Math.abs((snapshot.series['lm_latency_ms.p50'] as number) - 500)).toBeLessThanOrEqual(5);
    expect(Math.abs((snapshot.series['lm_latency_ms.p90'] as number) - 900)).toBeLessThanOrEqual(9);
    expect(Math.abs((snapshot.series['lm_latency_ms.p99'] as number) - 990)).toBeLessThanOrEqual(
      9.9,
    );
    monitor.stop();
  });

  it('computes the card performance metrics from what happened', () => {
    const clock = createManualClock();
    let value = updateResourcePool(team(), {
      totalMemory: 1_000,
      availableMemory: 250,
      tokens: 10_000,
    });
    value = recordAdaptation(value, {
      id: 'a1',
      timestamp: 0,
      trigger: 'load_increase',
      operation: 'autoScale',
      changes: [],
      outcome: 'success',
      performanceImpact: 0,
    });
    value = recordAdaptation(value, {
      id: 'a2',
      timestamp: 0,
      trigger: 'fault_detected',
      operation: 'handleAgentFailure',
      changes: [],
      outcome: 'partial_success',
      performanceImpact: 0,
    });
    const space = createHandDrivenSpace(value);
    const monitor = startMonitoring(space, { clock });
    started(space);
    space.space$.next(updateResourcePool(space.space$.value, { tokens: 7_500 }));
    space.report(100, [
      { agent: 'planner', messagesHandled: 9, errors: 1 },
      { agent: 'coder', messagesHandled: 20 },
    ]);
    space.emit({
      type: 'mailbox-overflowed',
      at: 150,
      agent: 'coder',
      policy: 'reject',
      dropped: 10,
    });
    space.emit({
      type: 'agent-crashed',
      at: 200,
      agent: 'reviewer',
      error: { name: 'Error', message: 'x' },
    });
    space.emit({ type: 'agent-restarted', at: 260, agent: 'reviewer', restarts: 1, delayMs: 50 });
    space.emit({
      type: 'agent-crashed',
      at: 400,
      agent: 'reviewer',
      error: { name: 'Error', message: 'x' },
    });
    clock.advance(500);
    const metrics = collectMetrics(monitor);
    expect(metrics.individualPerformance).toEqual({ planner: 0.9, coder: 1, reviewer: 0 });
    expect(metrics.aggregatePerformance).toBeCloseTo((0.9 + 1 + 0) / 3, 12);
    expect(metrics.resourceUtilization).toEqual({ memory: 0.75, tokens: 0.25 });
    // 29 messages handled, 10 refused by a full mailbox.
    expect(metrics.communicationEfficiency).toBeCloseTo(29 / 39, 12);
    expect(metrics.adaptationSuccessRate).toBe(0.75);
    expect(metrics.faultRecoveryTime).toBe(60);
    const snapshot = monitor.latest() as MetricsSnapshot;
    expect(snapshot.faults).toEqual([
      { agent: 'reviewer', at: 200, error: { name: 'Error', message: 'x' }, recoveredAt: 260 },
      { agent: 'reviewer', at: 400, error: { name: 'Error', message: 'x' } },
    ]);
    expect(snapshot.agents.reviewer?.state).toBe('crashed');
    expect(snapshot.agents.reviewer?.restarts).toBe(1);
    monitor.stop();
  });

  it('keeps the points it collects in its store, queryable by time range', () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const path = join(dir, 'history.db');
    const first = startMonitoring(space, { clock, storage: { backend: 'sqlite', path } });
    started(space);
    for (let i = 1; i <= 3; i++) {
      space.report(i * 1_000 - 1, [{ agent: 'coder', mailboxDepth: i * 10 }]);
      clock.advance(1_000);
    }
    first.stop();
    // A new monitor on the same file sees the first one's history.
    const second = startMonitoring(space, { clock, storage: { backend: 'sqlite', path } });
    const depth = second.query({
      series: ['agent.mailbox_depth'],
      agent: 'coder',
      from: 2_000,
      to: 3_000,
    });
    expect(depth).toEqual([
      { at: 2_000, series: 'agent.mailbox_depth', value: 20, agent: 'coder' },
      { at: 3_000, series: 'agent.mailbox_depth', value: 30, agent: 'coder' },
    ]);
    expect(second.query({ series: ['mailbox_depth'] }).map((p) => p.value)).toEqual([10, 20, 30]);
    second.stop();
  });

  it('reports a store that fails on errors$ and keeps reporting windows', () => {
    const clock = createManualClock();
    const broken: MetricStore = {
      kind: 'broken',
      append: () => {
        throw new StorageError({ code: 'STORAGE_FAILED', message: 'disk full' });
      },
      query: () => [],
      size: () => 0,
      close: () => {},
    };
    const monitor = startMonitoring(createHandDrivenSpace(team()), { clock, storage: broken });
    const errors: MonitorErrorEvent[] = [];
    const windows: number[] = [];
    monitor.errors$.subscribe((e) => errors.push(e));
    monitor.metrics$.subscribe((s) => windows.push(s.sequence));
    clock.advance(2_000);
    expect(windows).toEqual([1, 2]);
    expect(errors).toEqual([
      {
        type: 'storage-failed',
        at: 1_000,
        error: { name: 'StorageError', message: 'disk full', code: 'STORAGE_FAILED' },
      },
      {
        type: 'storage-failed',
        at: 2_000,
        error: { name: 'StorageError', message: 'disk full', code: 'STORAGE_FAILED' },
      },
    ]);
    monitor.stop();
  });

  it('leaves a store it was given open when it stops, and closes one it opened', () => {
    const clock = createManualClock();
    const given = createMemoryStore();
    const first = startMonitoring(createHandDrivenSpace(team()), { clock, storage: given });
    clock.advance(1_000);
    first.stop();
    expect(() => given.append([{ at: 2_000, series: 'x', value: 1 }])).not.toThrow();
    const second = startMonitoring(createHandDrivenSpace(team()), { clock });
    clock.advance(1_000);
    const own = second.options.store;
    second.stop();
    expect(() => own.append([{ at: 9_000, series: 'x', value: 1 }])).toThrowError(
      /the store is closed/,
    );
  });

  it('reports a last window and stops by itself when the space stops', () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const monitor = startMonitoring(space, { clock });
    const windows: number[] = [];
    monitor.metrics$.subscribe((s) => windows.push(s.at));
    clock.advance(1_500);
    space.events$.complete();
    expect(windows).toEqual([1_000, 1_500]);
    expect(monitor.stopped).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('stops: streams complete, collect refuses with MONITOR_STOPPED', () => {
    const clock = createManualClock();
    const monitor = startMonitoring(createHandDrivenSpace(team()), { clock });
    let completed = false;
    monitor.metrics$.subscribe({ complete: () => (completed = true) });
    monitor.stop();
    expect(completed).toBe(true);
    expect(clock.pending()).toBe(0);
    expect(() => monitor.collect()).toThrowError(/collect: the monitor is stopped/);
  });
});

describe('startMonitoring: options', () => {
  const space = createHandDrivenSpace(team());

  it.each([
    [{ collectionIntervalMs: -5 }, /collectionIntervalMs.*\(got -5\)/],
    [{ metricsToTrack: ['Mailbox Depth'] }, /metricsToTrack\.0: must be lower_snake_case/],
    [{ aggregation: { depth: 'max' } }, /aggregation\.depth: is not a tracked metric/],
    [
      { alertThresholds: { mailbox_depth: { warning: 1, critical: 2, action: 'explode' } } },
      /alertThresholds\.mailbox_depth\.action/,
    ],
    [
      { alertThresholds: { latency: { warning: 1, critical: 2, action: 'log' } } },
      /alertThresholds\.latency: is not a series of the tracked metrics; series: mailbox_depth/,
    ],
    [
      {
        metricsToTrack: ['recovery_time'],
        alertThresholds: { recovery_time: { warning: 1, critical: 2, action: 'log' } },
      },
      /series: recovery_time\.p50, recovery_time\.p90, recovery_time\.p99/,
    ],
    [
      { alertThresholds: { mailbox_depth: { warning: 1, critical: 2, action: 'notify' } } },
      /alertThresholds\.mailbox_depth\.notifyUrl: notify needs a notifyUrl/,
    ],
    [
      {
        alertThresholds: {
          mailbox_depth: { warning: 5, critical: 2, action: 'log', direction: 'above' },
        },
      },
      /alertThresholds\.mailbox_depth\.warning: must not be past critical/,
    ],
    [{ storage: { backend: 'redis' } }, /storage/],
  ])('rejects %j with a typed error naming the field', (options, message) => {
    try {
      startMonitoring(space, options as never);
      expect.unreachable();
    } catch (error) {
      expect(VarplaneError.isInstance(error, 'TELEMETRY_INVALID_OPTIONS')).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('rejects a space without the operation an alert acts through', () => {
    const { autoScale: _, ...partial } = space;
    expect(() =>
      startMonitoring(partial as never, {
        alertThresholds: { mailbox_depth: { warning: 1, critical: 2, action: 'auto_scale' } },
      }),
    ).toThrowError(
      /runningSpace\.autoScale: must be a function: alert mailbox_depth acts by auto_scale/,
    );
  });

  it("accepts core's TelemetryConfig as it is", () => {
    const monitor = startMonitoring(space, {
      collectionIntervalMs: 1_000,
      metricsToTrack: ['mailbox_depth'],
      aggregation: { mailbox_depth: 'max' },
      alertThresholds: { mailbox_depth: { warning: 10, critical: 20, action: 'log' } },
      storage: { backend: 'memory', retentionMs: 60_000 },
      clock: createManualClock(),
    });
    expect(monitor.options.rules[0]).toMatchObject({
      metric: 'mailbox_depth',
      direction: 'above',
      clearMargin: 1,
    });
    monitor.stop();
  });
});
