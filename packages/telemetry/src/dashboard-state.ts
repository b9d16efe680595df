import type { AdaptationEvent, MultiAgentSpace } from '@varplane/core';
import type { Alert, AlertEvent } from './alert-engine';
import type { LiveAgent } from './collection-window';
import type { Insight } from './insights';
import { createOptimizerRuns } from './internal/optimizer-runs';
import type { AgentRunState, EdgeSnapshot, MetricsSnapshot } from './metrics-snapshot';
import type { SupervisionNode } from './monitored-space';

/** One trial of an optimizer, as a caller hands it to the dashboard. */
export interface OptimizerProgress {
  /** 1, 2, 3... */
  readonly trial: number;
  readonly score: number;
  /** Best score so far; computed when left out. */
  readonly bestScore?: number;
  /** `SIMBA`, `BEACON`... */
  readonly optimizer?: string;
  /** Trials planned in all, when known. */
  readonly totalTrials?: number;
}

/**
 * An optimizer's event, as `@varplane/teleprompters` streams them on `progress$` (structurally:
 * telemetry does not depend on it). `optimization-started` names the optimizer, `trial-finished`
 * gives a trial's score, `best-improved` the optimizer's own best; other events are ignored.
 */
export interface OptimizerEvent {
  readonly type: string;
  readonly optimizer?: string;
  readonly trial?: number;
  readonly score?: number | null;
}

/** What `attachOptimizer` takes: plain trial points, or an optimizer's event stream. */
export type OptimizerUpdate = OptimizerProgress | OptimizerEvent;

/**
 * One trial as the dashboard charts it: a point of one optimizer run. Runs are numbered 1, 2, 3...
 * across every attached stream, and the best score is the best of that run only.
 */
export interface OptimizerTrial extends OptimizerProgress {
  readonly run: number;
  readonly bestScore: number;
}

/** A row of the agent table. */
export interface AgentRow {
  readonly id: string;
  readonly role: string;
  readonly behaviour: string;
  /** The space's status for the agent (`active`, `failed`...). */
  readonly status: string;
  /** What the runtime's events say (`running`, `crashed`...). */
  readonly state: AgentRunState | 'unknown';
  readonly instances: number;
  readonly mailboxDepth: number;
  readonly messagesHandled: number;
  readonly messagesPerSecond: number;
  readonly errors: number;
  readonly restarts: number;
  readonly tokens: number;
  readonly cost: number;
  readonly performance: number | null;
}

/** A point of the charts: one window's tracked series. */
export interface ChartPoint {
  readonly at: number;
  readonly values: Readonly<Record<string, number>>;
}

/** A line of the alerts and insights feed. */
export type FeedItem =
  | { readonly kind: 'alert'; readonly at: number; readonly event: AlertEvent }
  | { readonly kind: 'insight'; readonly at: number; readonly insight: Insight };

/** Everything the page shows, as plain JSON. */
export interface DashboardState {
  readonly title: string;
  readonly space: {
    readonly id: string;
    readonly name: string;
    readonly version: number;
    readonly topology: string;
    readonly hub?: string;
  } | null;
  readonly now: number;
  readonly collectionIntervalMs: number;
  readonly window: {
    readonly sequence: number;
    readonly at: number;
    readonly messagesPerSecond: number;
    readonly aggregatePerformance: number;
    readonly communicationEfficiency: number;
    readonly adaptationSuccessRate: number;
    readonly faultRecoveryTime: number;
    readonly resourceUtilization: Readonly<Record<string, number>>;
  } | null;
  readonly agents: readonly AgentRow[];
  readonly tree: SupervisionNode | null;
  readonly topology: { readonly nodes: readonly string[]; readonly edges: readonly EdgeSnapshot[] };
  readonly series: readonly string[];
  readonly alerts: readonly Alert[];
  readonly feed: readonly FeedItem[];
  readonly adaptations: readonly AdaptationEvent[];
}

export const FEED_KEPT = 100;
export const ADAPTATIONS_SHOWN = 50;
export const TRIALS_KEPT = 5_000;

/**
 * The dashboard's live model, folded from the monitor's windows, alerts, insights and trials. The page gets `state()` whole on
 * connect and on each change, one {@link ChartPoint} per window, and one trial per optimizer step.
 */
export interface DashboardModel {
  observeWindow(snapshot: MetricsSnapshot): ChartPoint;
  observeAlert(event: AlertEvent, at: number): void;
  observeInsight(insight: Insight): void;
  /**
   * A folder for one attached optimizer stream: each update gives the trial point it makes, if it
   * makes one. Streams attached apart are runs apart, even when they run at the same time.
   */
  optimizerSource(): (update: OptimizerUpdate) => OptimizerTrial | undefined;
  state(input: {
    space: MultiAgentSpace | undefined;
    live: readonly LiveAgent[];
    tree: SupervisionNode | undefined;
    alerts: readonly Alert[];
    now: number;
  }): DashboardState;
  chart(): readonly ChartPoint[];
  trials(): readonly OptimizerTrial[];
}

export function createDashboardModel(options: {
  title: string;
  series: readonly string[];
  collectionIntervalMs: number;
  historyPoints: number;
  initial: readonly MetricsSnapshot[];
}): DashboardModel {
  const chart: ChartPoint[] = [];
  const feed: FeedItem[] = [];
  const trials: OptimizerTrial[] = [];
  const runs = createOptimizerRuns();
  let latest: MetricsSnapshot | undefined;

  const push = <T>(list: T[], item: T, max: number) => {
    list.push(item);
    if (list.length > max) list.splice(0, list.length - max);
  };
  const observeWindow = (snapshot: MetricsSnapshot): ChartPoint => {
    latest = snapshot;
    const point = { at: snapshot.at, values: snapshot.series };
    push(chart, point, options.historyPoints);
    return point;
  };
  for (const snapshot of options.initial) observeWindow(snapshot);

  return {
    observeWindow,
    observeAlert(event, at) {
      push(feed, { kind: 'alert', at, event }, FEED_KEPT);
    },
    observeInsight(insight) {
      push(feed, { kind: 'insight', at: insight.at, insight }, FEED_KEPT);
    },
    optimizerSource() {
      const fold = runs.source();
      return (update) => {
        const trial = fold(update);
        if (trial !== undefined) push(trials, trial, TRIALS_KEPT);
        return trial;
      };
    },
    state({ space, live, tree, alerts, now }) {
      // Counters and states as they stand now; rates and scores from the latest window.
      const agents: AgentRow[] = [...live]
        .sort((a, b) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0))
        .map((agent) => {
          const window = latest?.agents[agent.agent];
          return {
            id: agent.agent,
            role: agent.role,
            behaviour: agent.behaviour,
            status: space?.agents[agent.agent]?.status ?? 'unregistered',
            state: agent.state,
            instances: agent.instances,
            mailboxDepth: agent.mailboxDepth,
            messagesHandled: agent.messagesHandled,
            messagesPerSecond: window?.messagesPerSecond ?? 0,
            errors: agent.errors,
            restarts: agent.restarts,
            tokens: agent.tokens,
            cost: agent.cost,
            performance: window?.performance ?? null,
          };
        });
      const ids = agents.map((a) => a.id);
      const graph = space?.coordinationGraph;
      // Edge rates come from the latest window; the edges themselves from the space as it is now.
      const rates = new Map(
        (latest?.edges ?? []).map((e) => [`${e.from}\u0000${e.to}\u0000${e.type}`, e]),
      );
      const edges: EdgeSnapshot[] = (graph?.edges ?? []).map(
        (e) => rates.get(`${e.from}\u0000${e.to}\u0000${e.type}`) ?? { ...e },
      );
      const perf = latest?.performance;
      return {
        title: options.title,
        space:
          space === undefined
            ? null
            : {
                id: space.id,
                name: space.name,
                version: space.version,
                topology: space.coordinationGraph.topology,
                ...(space.coordinationGraph.hub === undefined
                  ? {}
                  : { hub: space.coordinationGraph.hub }),
              },
        now,
        collectionIntervalMs: options.collectionIntervalMs,
        window:
          latest === undefined || perf === undefined
            ? null
            : {
                sequence: latest.sequence,
                at: latest.at,
                messagesPerSecond: latest.activity.messagesPerSecond,
                aggregatePerformance: perf.aggregatePerformance,
                communicationEfficiency: perf.communicationEfficiency,
                adaptationSuccessRate: perf.adaptationSuccessRate,
                faultRecoveryTime: perf.faultRecoveryTime,
                resourceUtilization: perf.resourceUtilization,
              },
        agents,
        tree: tree ?? null,
        topology: { nodes: graph?.nodes ?? ids, edges },
        series: options.series,
        alerts,
        feed,
        adaptations: (space?.adaptationHistory ?? []).slice(-ADAPTATIONS_SHOWN),
      };
    },
    chart: () => chart,
    trials: () => trials,
  };
}
