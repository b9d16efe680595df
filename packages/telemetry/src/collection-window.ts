import {
  emptyMetrics,
  type MultiAgentSpace,
  type PerformanceMetrics,
  type ResourcePool,
  type RuntimeEvent,
} from '@varplane/core';
import { type AggregationSpec, type Aggregator, createAggregator } from './aggregation';
import {
  createDistributionBuilder,
  type Distribution,
  type DistributionBuilder,
} from './distribution';
import { createAgentTracks, type LiveAgent } from './internal/agent-tracks';
import { isBuiltInMetric, RESOURCE_METRIC_PREFIX } from './metric-catalogue';
import type { AgentSnapshot, EdgeSnapshot, MetricsSnapshot } from './metrics-snapshot';
import { type AgentWindow, computePerformance } from './performance';

export type { LiveAgent } from './internal/agent-tracks';

export interface CollectionWindowOptions {
  /** Metric name → aggregation, for every tracked metric. */
  readonly tracked: ReadonlyMap<string, AggregationSpec>;
  /** Metric name → unit, for every metric whose unit is known. */
  readonly units?: ReadonlyMap<string, string>;
  /** Clock time the first window opens at. */
  readonly openedAt: number;
  /**
   * The agent an id in an event belongs to: itself, the agent it is an instance of, or none (the
   * runtime's own supervisors), whose events are left out. Default: every id is an agent.
   */
  readonly ownerOf?: (id: string) => string | undefined;
}

/**
 * One collection window's accumulating state: it folds runtime events and space values in as they
 * come, and `close(at)` turns the window into a {@link MetricsSnapshot} and opens the next one.
 */
export interface CollectionWindow {
  observe(event: RuntimeEvent): void;
  observeSpace(space: MultiAgentSpace): void;
  /** A sample of a user metric (ignored unless tracked). */
  record(metric: string, value: number): void;
  /** Adds LM usage an instrumented model reported for an agent. */
  recordUsage(agent: string, usage: { tokens?: number; cost?: number }): void;
  /** Every agent seen, as it stands now. */
  live(): LiveAgent[];
  close(at: number): MetricsSnapshot;
}

export function createCollectionWindow(options: CollectionWindowOptions): CollectionWindow {
  const aggregators = new Map<string, Aggregator>();
  for (const [metric, spec] of options.tracked)
    aggregators.set(metric, createAggregator(metric, spec));
  // Percentile metrics, and recoveries always, are also kept as bucket counts for histograms.
  const distributions = new Map<string, DistributionBuilder>();
  const unitOf = (metric: string) => options.units?.get(metric) ?? '1';
  distributions.set('recovery_time', createDistributionBuilder(unitOf('recovery_time')));
  for (const [metric, spec] of options.tracked) {
    if (spec === 'percentile' || (typeof spec === 'object' && spec.type === 'percentile')) {
      distributions.set(metric, createDistributionBuilder(unitOf(metric)));
    }
  }
  const sample = (metric: string, value: number) => {
    aggregators.get(metric)?.add(value);
    distributions.get(metric)?.add(value);
  };
  const ledger = createAgentTracks({ ownerOf: options.ownerOf ?? ((id) => id), sample });
  const { tracks, recoveries } = ledger;
  let space: MultiAgentSpace | undefined;
  let initialPool: ResourcePool | undefined;
  let previous: PerformanceMetrics = emptyMetrics();
  // Each agent's score from its latest window with traffic: what a quiet window keeps. A window
  // spent down scores 0 but measures nothing, so an agent that recovers and idles gets its last
  // measured score back instead of keeping the 0.
  const measured = new Map<string, number>();
  let openedAt = options.openedAt;
  let sequence = 0;

  const close = (at: number): MetricsSnapshot => {
    const activity = ledger.activity();
    const faults = ledger.faults();
    const windowMs = Math.max(0, at - openedAt);
    const seconds = windowMs / 1_000;
    const rate = (n: number) => (seconds > 0 ? n / seconds : 0);
    const windows: AgentWindow[] = [];
    let handled = 0;
    let errors = 0;
    let tokens = 0;
    let cost = 0;

    for (const t of tracks.values()) {
      const dHandled = Math.max(0, t.now.handled - t.base.handled);
      const dErrors = Math.max(0, t.now.errors - t.base.errors);
      handled += dHandled;
      errors += dErrors;
      tokens += Math.max(0, t.now.tokens - t.base.tokens);
      cost += Math.max(0, t.now.cost - t.base.cost);
      windows.push({
        agent: t.agent,
        handled: dHandled,
        errors: dErrors,
        status:
          t.state === 'crashed' || t.failed ? 'down' : t.state === 'stopped' ? 'retired' : 'up',
      });
    }
    const performance = computePerformance({
      agents: windows,
      dropped: activity.dropped,
      pool: space?.resourcePool,
      initialPool,
      adaptationHistory: space?.adaptationHistory ?? [],
      recoveryTimes: recoveries,
      previous: { ...previous, individualPerformance: Object.fromEntries(measured) },
    });
    for (const w of windows) {
      const score = performance.individualPerformance[w.agent];
      if (w.status === 'up' && w.handled + w.errors > 0 && score !== undefined) {
        measured.set(w.agent, score);
      }
    }

    const agents: Record<string, AgentSnapshot> = {};
    for (const t of tracks.values()) {
      const dHandled = Math.max(0, t.now.handled - t.base.handled);
      const dErrors = Math.max(0, t.now.errors - t.base.errors);
      const dRestarts = Math.max(0, t.now.restarts - t.base.restarts);
      const dTokens = Math.max(0, t.now.tokens - t.base.tokens);
      const dCost = Math.max(0, t.now.cost - t.base.cost);
      const attempted = dHandled + dErrors;
      const errorRate = attempted === 0 ? 0 : dErrors / attempted;
      // defineProperty: an agent named `__proto__` is an own key, not the record's prototype.
      Object.defineProperty(agents, t.agent, {
        enumerable: true,
        configurable: true,
        writable: true,
        value: {
          agent: t.agent,
          behaviour: t.behaviour,
          role: t.role,
          state: t.state,
          instances: t.instances,
          mailboxDepth: t.depth,
          messagesHandled: t.now.handled,
          messagesPerSecond: rate(dHandled),
          errors: t.now.errors,
          errorsInWindow: dErrors,
          errorRate,
          restarts: t.now.restarts,
          restartsInWindow: dRestarts,
          crashesInWindow: t.crashes,
          droppedInWindow: t.dropped,
          tokens: t.now.tokens,
          cost: t.now.cost,
          tokensPerSecond: rate(dTokens),
          performance: Object.hasOwn(performance.individualPerformance, t.agent)
            ? (performance.individualPerformance[t.agent] as number)
            : 0,
        } satisfies AgentSnapshot,
      });
      if (t.state === 'stopped' && !t.failed) continue;
      // An agent that sent no stats report this window still has a depth: its last one.
      if (!t.depthSampled) sample('mailbox_depth', t.depth);
      sample('messages_per_second', rate(dHandled));
      sample('messages_handled', dHandled);
      sample('errors', dErrors);
      if (attempted > 0) sample('error_rate', errorRate);
      sample('restarts', dRestarts);
      sample('tokens', dTokens);
      sample('cost', dCost);
    }

    let running = 0;
    for (const t of tracks.values()) if (t.state === 'running') running += 1;
    sample('aggregate_performance', performance.aggregatePerformance);
    sample('communication_efficiency', performance.communicationEfficiency);
    sample('adaptation_success_rate', performance.adaptationSuccessRate);
    sample('fault_recovery_time', performance.faultRecoveryTime);
    sample('agents_running', running);
    sample('crashes', activity.crashes);
    sample('dropped_messages', activity.dropped);
    for (const [resource, used] of Object.entries(performance.resourceUtilization)) {
      sample(`${RESOURCE_METRIC_PREFIX}${resource}`, used);
    }

    const series: Record<string, number> = {};
    for (const aggregator of aggregators.values()) {
      for (const [name, value] of aggregator.results()) series[name] = value;
      aggregator.reset();
    }

    const windowDistributions: Record<string, Distribution> = {};
    for (const [metric, builder] of distributions) {
      const taken = builder.take();
      if (taken !== undefined) windowDistributions[metric] = taken;
      builder.reset();
    }

    // An edge has a rate when its sender counts sends per destination: none sent is a rate of 0.
    const edges: EdgeSnapshot[] = (space?.coordinationGraph.edges ?? []).map((edge) => {
      const sent = tracks.get(edge.from)?.sent;
      const base = tracks.get(edge.from)?.sentBase ?? {};
      if (sent === undefined) return { ...edge };
      const inWindow = (sent[edge.to] ?? 0) - (base[edge.to] ?? 0);
      return { ...edge, messagesPerSecond: rate(Math.max(0, inWindow)) };
    });

    sequence += 1;
    const snapshot: MetricsSnapshot = {
      sequence,
      at,
      windowMs,
      series,
      distributions: windowDistributions,
      agents,
      edges,
      topology: space?.coordinationGraph.topology ?? 'custom',
      performance,
      activity: {
        messagesHandled: handled,
        messagesPerSecond: rate(handled),
        errors,
        dropped: activity.dropped,
        crashes: activity.crashes,
        restarts: activity.restarts,
        directivesApplied: activity.directivesApplied,
        directivesFailed: activity.directivesFailed,
        topologyChanges: activity.topologyChanges,
        adaptations: activity.adaptations,
        tokens,
        cost,
      },
      faults,
    };

    // Open the next window.
    ledger.nextWindow();
    previous = performance;
    openedAt = at;
    return snapshot;
  };

  return {
    observe: (event: RuntimeEvent) => ledger.observe(event),
    observeSpace(next) {
      space = next;
      initialPool ??= next.resourcePool;
      ledger.observeSpace(next);
    },
    record(metric, value) {
      if (!isBuiltInMetric(metric)) sample(metric, value);
    },
    recordUsage: (agent, usage) => ledger.recordUsage(agent, usage),
    live: () => ledger.live(),
    close,
  };
}
