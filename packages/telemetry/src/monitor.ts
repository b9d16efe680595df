import {
  type ErrorInfo,
  emptyMetrics,
  type MultiAgentSpace,
  type PerformanceMetrics,
  type TimerHandle,
} from '@varplane/core';
import { toErrorInfo } from '@varplane/core/internal';
import { type Observable, Subject, type Subscription } from 'rxjs';
import { createAlertActions } from './alert-actions';
import { type Alert, type AlertEvent, createAlertEngine } from './alert-engine';
import { createCollectionWindow, type LiveAgent } from './collection-window';
import { MonitorStoppedError } from './errors';
import { generateInsights, type Insight } from './insights';
import { checkMonitor } from './internal/check-monitor';
import { checkQuery, type MetricPoint, type MetricQuery } from './metric-store';
import type { MetricsSnapshot } from './metrics-snapshot';
import {
  checkMonitoredSpace,
  type MonitorOptions,
  type ResolvedMonitorOptions,
  resolveMonitorOptions,
} from './monitor-options';
import type { MonitoredSpace } from './monitored-space';

/** A failure inside the monitor (a store that cannot write), reported instead of thrown. */
export interface MonitorErrorEvent {
  readonly type: 'storage-failed' | 'insights-failed';
  readonly at: number;
  readonly error: ErrorInfo;
}

/**
 * A running space under watch. Every collection window it reports a {@link MetricsSnapshot} on
 * `metrics$`, stores its points, derives insights (`insights$`, each once while it lasts) and steps
 * its alerts (`alerts$`), whose actions act on the space.
 */
export interface Monitor {
  readonly metrics$: Observable<MetricsSnapshot>;
  readonly insights$: Observable<Insight>;
  readonly alerts$: Observable<AlertEvent>;
  readonly errors$: Observable<MonitorErrorEvent>;
  readonly space: MonitoredSpace;
  readonly options: ResolvedMonitorOptions;
  /** The latest window, if one has closed. */
  latest(): MetricsSnapshot | undefined;
  /** The windows kept in memory (`historyWindows`), oldest first. */
  history(): readonly MetricsSnapshot[];
  /** The space value as last seen on `space$`. */
  currentSpace(): MultiAgentSpace | undefined;
  /** Every agent as it stands now (counters from the latest stats, state from the events). */
  agents(): LiveAgent[];
  /** Insights that hold as of the latest window. */
  insights(): readonly Insight[];
  /** Alerts at warning or critical. */
  alerts(): readonly Alert[];
  /** Stored points over a time range (from the store: memory, or SQLite across restarts). */
  query(query?: MetricQuery): MetricPoint[];
  /** Closes the current window now and reports it; the next window starts from now. */
  collect(): MetricsSnapshot;
  /** A sample of a user metric, aggregated with the window it falls in. */
  record(metric: string, value: number): void;
  /** LM usage of an agent, from an instrumented language model. */
  recordUsage(agent: string, usage: { tokens?: number; cost?: number }): void;
  /** Resolves once every alert action started so far has finished. */
  settled(): Promise<void>;
  readonly stopped: boolean;
  /**
   * Stops collecting, completes the streams, and closes the store if the monitor opened it. A
   * monitor also stops by itself, after one last window, when the space's `events$` completes.
   */
  stop(): void;
}

// Per-agent values kept in the store beside the tracked series.
const AGENT_POINTS = [
  ['agent.mailbox_depth', 'mailboxDepth'],
  ['agent.messages_per_second', 'messagesPerSecond'],
  ['agent.errors', 'errorsInWindow'],
  ['agent.restarts', 'restarts'],
  ['agent.tokens', 'tokens'],
  ['agent.cost', 'cost'],
] as const;

function toPoints(snapshot: MetricsSnapshot): MetricPoint[] {
  const points: MetricPoint[] = [];
  // A custom reducer may give NaN or Infinity: such a window value is shown, not stored.
  for (const [series, value] of Object.entries(snapshot.series)) {
    if (Number.isFinite(value)) points.push({ at: snapshot.at, series, value });
  }
  for (const agent of Object.values(snapshot.agents)) {
    for (const [series, field] of AGENT_POINTS) {
      points.push({ at: snapshot.at, series, value: agent[field], agent: agent.agent });
    }
  }
  return points;
}

/**
 * Starts watching a running space.
 *
 * @example
 * const running = startSpace(team, { behaviours });
 * const monitor = startMonitoring(running, {
 *   collectionIntervalMs: 1_000,
 *   metricsToTrack: ['mailbox_depth', 'messages_per_second', 'recovery_time'],
 *   aggregation: { recovery_time: 'percentile' },
 *   alertThresholds: {
 *     mailbox_depth: { warning: 50, critical: 200, action: 'auto_scale' },
 *     errors: { warning: 1, critical: 5, action: 'restart_agent', perAgent: true },
 *   },
 *   storage: { backend: 'sqlite', path: './metrics.db' },
 * });
 * monitor.insights$.subscribe((insight) => console.log(insight.description));
 */
export function startMonitoring(
  runningSpace: MonitoredSpace,
  options: MonitorOptions = {},
): Monitor {
  const resolved = resolveMonitorOptions(options);
  const space = checkMonitoredSpace(runningSpace, resolved.rules);
  const { clock, store } = resolved;

  const metrics$ = new Subject<MetricsSnapshot>();
  const insights$ = new Subject<Insight>();
  const alerts$ = new Subject<AlertEvent>();
  const errors$ = new Subject<MonitorErrorEvent>();
  let spaceValue: MultiAgentSpace | undefined;
  // Which agent an id in an event belongs to: scaled agents run instances under other ids, and the
  // runtime's own supervisors report too. Misses are remembered until the space changes.
  let owners = new Map<string, string | undefined>();
  const ownerOf = (id: string): string | undefined => {
    if (spaceValue === undefined || spaceValue.agents[id] !== undefined) return id;
    if (owners.has(id)) return owners.get(id);
    const instances = space.instances;
    if (instances !== undefined) {
      for (const agent of Object.keys(spaceValue.agents)) {
        for (const instance of instances.call(space, agent)) owners.set(instance, agent);
      }
    }
    if (!owners.has(id)) owners.set(id, undefined);
    return owners.get(id);
  };
  const window = createCollectionWindow({
    tracked: resolved.tracked,
    units: resolved.units,
    openedAt: clock.now(),
    ownerOf,
  });
  const history: MetricsSnapshot[] = [];
  let activeInsights = new Map<string, Insight>();
  let timer: TimerHandle | undefined;
  let stopped = false;

  const latestMetrics = (): PerformanceMetrics => history.at(-1)?.performance ?? emptyMetrics();

  const engine = createAlertEngine({
    rules: resolved.rules,
    clock,
    emit: (event) => alerts$.next(event),
    actionTimeoutMs: resolved.actionTimeoutMs,
    run: createAlertActions({
      space,
      metrics: latestMetrics,
      log: resolved.log,
      ...(resolved.notify === undefined ? {} : { notify: resolved.notify }),
    }),
  });

  const subscriptions: Subscription[] = [
    space.space$.subscribe((value) => {
      spaceValue = value;
      owners = new Map();
      window.observeSpace(value);
    }),
    space.events$.subscribe({
      next(event) {
        if (event.type === 'agent-scaled') owners = new Map();
        window.observe(event);
      },
      // The space stopped: report what its last window saw, then stop watching (and timing).
      complete() {
        if (stopped) return;
        collect();
        monitor.stop();
      },
    }),
  ];

  const updateInsights = (snapshot: MetricsSnapshot) => {
    if (resolved.insights === false) return;
    let found: Insight[];
    try {
      found = generateInsights(history, resolved.insights);
    } catch (error) {
      errors$.next({ type: 'insights-failed', at: snapshot.at, error: toErrorInfo(error) });
      return;
    }
    const next = new Map<string, Insight>();
    for (const insight of found) {
      next.set(insight.key, insight);
      if (!activeInsights.has(insight.key)) insights$.next(insight);
    }
    activeInsights = next;
  };

  const collect = (): MetricsSnapshot => {
    if (stopped) throw new MonitorStoppedError('collect');
    if (timer !== undefined) clock.clearTimeout(timer);
    const now = clock.now();
    // Counters read as the window closes, so every window is measured whatever the runtime's
    // own stats interval.
    if (space.stats !== undefined) {
      window.observe({ type: 'stats-reported', at: now, stats: space.stats() });
    }
    const snapshot = window.close(now);
    history.push(snapshot);
    if (history.length > resolved.historyWindows) history.shift();
    try {
      store.append(toPoints(snapshot));
    } catch (error) {
      errors$.next({ type: 'storage-failed', at: snapshot.at, error: toErrorInfo(error) });
    }
    metrics$.next(snapshot);
    updateInsights(snapshot);
    engine.evaluate(snapshot);
    schedule();
    return snapshot;
  };

  function schedule() {
    timer = clock.setTimeout(() => {
      timer = undefined;
      if (!stopped) collect();
    }, resolved.collectionIntervalMs);
  }
  schedule();

  const monitor: Monitor = {
    metrics$: metrics$.asObservable(),
    insights$: insights$.asObservable(),
    alerts$: alerts$.asObservable(),
    errors$: errors$.asObservable(),
    space,
    options: resolved,
    latest: () => history.at(-1),
    history: () => history,
    currentSpace: () => spaceValue,
    agents: () => window.live(),
    insights: () => [...activeInsights.values()],
    alerts: () => engine.active(),
    query(query = {}) {
      checkQuery(query, 'monitor.query');
      return store.query(query);
    },
    collect,
    record(metric, value) {
      if (!stopped) window.record(metric, value);
    },
    recordUsage(agent, usage) {
      if (!stopped) window.recordUsage(agent, usage);
    },
    settled: () => engine.settled(),
    get stopped() {
      return stopped;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      for (const subscription of subscriptions) subscription.unsubscribe();
      metrics$.complete();
      insights$.complete();
      alerts$.complete();
      errors$.complete();
      if (resolved.ownsStore) store.close();
    },
  };
  return monitor;
}

/**
 * The card's performance metrics, computed from what the runtime did: closes the monitor's current
 * window now and returns its metrics (see `computePerformance` for each formula).
 */
export function collectMetrics(monitor: Monitor): PerformanceMetrics {
  checkMonitor(monitor, 'collectMetrics');
  return monitor.collect().performance;
}
