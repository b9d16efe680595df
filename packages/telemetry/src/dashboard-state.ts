import type { AdaptationEvent, MultiAgentSpace, RuntimeEvent } from '@varplane/core';
import type { Alert, AlertEvent } from './alert-engine';
import type { ClusterView } from './cluster-nodes';
import type { LiveAgent } from './collection-window';
import type { Insight } from './insights';
import { createOptimizerRuns } from './internal/optimizer-runs';
import { type RuntimeFeedLine, runtimeFeedLine } from './internal/runtime-feed';
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

/** A point of the charts: one window's tracked series, and what the team spent in it. */
export interface ChartPoint {
  readonly at: number;
  readonly values: Readonly<Record<string, number>>;
  /** Tokens and cost spent by the team in the window. */
  readonly spend: { readonly tokens: number; readonly cost: number };
}

/**
 * A line of the feed: an alert, an insight, or a runtime event (crashes with their reasons,
 * restarts, stops, scaling, overflows...). `seq` counts up, so a page asks only for newer lines.
 */
export type FeedItem = { readonly seq: number; readonly at: number } & (
  | { readonly kind: 'alert'; readonly event: AlertEvent }
  | { readonly kind: 'insight'; readonly insight: Insight }
  | ({ readonly kind: 'event' } & RuntimeFeedLine)
);

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
  readonly topology: {
    readonly nodes: readonly string[];
    /** Every edge, or the busiest `maxEdges` of a large graph. */
    readonly edges: readonly EdgeSnapshot[];
    /** Edges of the graph in all, and those left out of `edges` with their summed rate. */
    readonly totalEdges: number;
    readonly hidden: { readonly edges: number; readonly messagesPerSecond: number };
  };
  readonly series: readonly string[];
  readonly alerts: readonly Alert[];
  readonly feed: readonly FeedItem[];
  readonly adaptations: readonly AdaptationEvent[];
  /** The run log: runs kept and its version (the run view asks for details when it changes). */
  readonly runs: {
    readonly total: number;
    readonly pendingCalls: number;
    readonly version: number;
  };
  /** The nodes of a cluster (`attachNodes`): null when none is attached. */
  readonly cluster: ClusterView | null;
}

export const FEED_KEPT = 200;
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
  /** Runtime events worth a line (crashes, restarts, stops...); others are ignored. */
  observeEvent(event: RuntimeEvent): void;
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
    runs: DashboardState['runs'];
    cluster?: ClusterView | null;
  }): DashboardState;
  chart(): readonly ChartPoint[];
  trials(): readonly OptimizerTrial[];
  /** Chart points and trials ever observed (the lists keep only their tails). */
  totals(): { readonly points: number; readonly trials: number };
}

export function createDashboardModel(options: {
  title: string;
  /** Edges drawn at most; a larger graph sends its busiest and sums up the rest. */
  maxEdges: number;
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

  let feedSeq = 0;
  let pointsTotal = 0;
  let trialsTotal = 0;

  const push = <T>(list: T[], item: T, max: number) => {
    list.push(item);
    if (list.length > max) list.splice(0, list.length - max);
  };
  const observeWindow = (snapshot: MetricsSnapshot): ChartPoint => {
    latest = snapshot;
    const point = {
      at: snapshot.at,
      values: snapshot.series,
      spend: { tokens: snapshot.activity.tokens, cost: snapshot.activity.cost },
    };
    push(chart, point, options.historyPoints);
    pointsTotal += 1;
    return point;
  };
  for (const snapshot of options.initial) observeWindow(snapshot);

  return {
    observeWindow,
    observeAlert(event, at) {
      push(feed, { seq: ++feedSeq, kind: 'alert', at, event }, FEED_KEPT);
    },
    observeInsight(insight) {
      push(feed, { seq: ++feedSeq, kind: 'insight', at: insight.at, insight }, FEED_KEPT);
    },
    observeEvent(event) {
      const line = runtimeFeedLine(event);
      if (line === undefined) return;
      const last = feed.at(-1);
      // A burst of one kind from one agent (overflows, say) is one line that counts them.
      if (
        last?.kind === 'event' &&
        last.type === line.type &&
        last.agent === line.agent &&
        line.type === 'mailbox-overflowed'
      ) {
        feed.pop();
        push(
          feed,
          { ...line, seq: ++feedSeq, kind: 'event', at: event.at, count: last.count + 1 },
          FEED_KEPT,
        );
        return;
      }
      push(feed, { ...line, seq: ++feedSeq, kind: 'event', at: event.at }, FEED_KEPT);
    },
    optimizerSource() {
      const fold = runs.source();
      return (update) => {
        const trial = fold(update);
        if (trial !== undefined) {
          push(trials, trial, TRIALS_KEPT);
          trialsTotal += 1;
        }
        return trial;
      };
    },
    state({ space, live, tree, alerts, now, runs, cluster = null }) {
      // Counters and states as they stand now; rates and scores from the latest window.
      const agents: AgentRow[] = [...live]
        .sort((a, b) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0))
        .map((agent) => {
          const own = <T>(record: Readonly<Record<string, T>> | undefined) =>
            record !== undefined && Object.hasOwn(record, agent.agent)
              ? record[agent.agent]
              : undefined;
          const window = own(latest?.agents);
          return {
            id: agent.agent,
            role: agent.role,
            behaviour: agent.behaviour,
            status: own(space?.agents)?.status ?? 'unregistered',
            state: agent.state,
            instances: agent.instances,
            mailboxDepth: agent.mailboxDepth,
            messagesHandled: agent.messagesHandled,
            messagesPerSecond: window?.messagesPerSecond ?? 0,
            errors: agent.errors,
            restarts: agent.restarts,
            tokens: agent.tokens,
            cost: agent.cost,
            // Agents that stopped normally are out of the team score, so they have none to show.
            performance: own(latest?.performance.individualPerformance) ?? null,
          };
        });
      const ids = agents.map((a) => a.id);
      const graph = space?.coordinationGraph;
      // Edge rates come from the latest window; the edges themselves from the space as it is now.
      const rates = new Map(
        (latest?.edges ?? []).map((e) => [`${e.from}\u0000${e.to}\u0000${e.type}`, e]),
      );
      const all: EdgeSnapshot[] = (graph?.edges ?? []).map(
        (e) => rates.get(`${e.from}\u0000${e.to}\u0000${e.type}`) ?? { ...e },
      );
      const { edges, hidden } = busiestEdges(all, options.maxEdges);
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
        topology: { nodes: graph?.nodes ?? ids, edges, totalEdges: all.length, hidden },
        series: options.series,
        alerts,
        feed,
        adaptations: (space?.adaptationHistory ?? []).slice(-ADAPTATIONS_SHOWN),
        runs,
        cluster,
      };
    },
    chart: () => chart,
    trials: () => trials,
    totals: () => ({ points: pointsTotal, trials: trialsTotal }),
  };
}

/**
 * A graph small enough is drawn whole. A larger one (a 60-agent mesh has 3,540 edges) keeps the
 * `max` busiest edges that carry messages, in a stable order, and sums up the rest, so the page
 * draws what matters and says what it left out.
 */
function busiestEdges(all: readonly EdgeSnapshot[], max: number) {
  if (all.length <= max) return { edges: all, hidden: { edges: 0, messagesPerSecond: 0 } };
  const busy = all
    .filter((e) => (e.messagesPerSecond ?? 0) > 0)
    .sort(
      (a, b) =>
        (b.messagesPerSecond ?? 0) - (a.messagesPerSecond ?? 0) ||
        (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0),
    )
    .slice(0, max);
  const shown = busy.reduce((sum, e) => sum + (e.messagesPerSecond ?? 0), 0);
  const total = all.reduce((sum, e) => sum + (e.messagesPerSecond ?? 0), 0);
  return {
    edges: busy,
    hidden: { edges: all.length - busy.length, messagesPerSecond: Math.max(0, total - shown) },
  };
}
