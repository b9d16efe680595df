import type { AggregationSpec } from './aggregation';
import type { AgentSnapshot } from './metrics-snapshot';

/** Where a built-in metric's samples come from. */
export type MetricSource = 'agent' | 'team';

export interface MetricDefinition {
  readonly source: MetricSource;
  readonly unit: string;
  readonly description: string;
  /** Used when the options give no aggregation for the metric. */
  readonly aggregation: AggregationSpec;
}

/**
 * The metrics a monitor derives from the runtime's events. `agent` metrics take one sample per
 * agent per window (`mailbox_depth` one per stats report); `team` metrics one per window (or one
 * per recovery, for `recovery_time`). Names outside this list are user metrics, sampled with
 * `monitor.record(name, value)`; `resource_utilization.<resource>` follows the space's pool.
 */
export const BUILT_IN_METRICS = {
  mailbox_depth: {
    source: 'agent',
    unit: 'messages',
    description: 'messages waiting in an agent mailbox',
    aggregation: 'max',
  },
  messages_per_second: {
    source: 'agent',
    unit: 'messages/s',
    description: 'messages an agent handled per second',
    aggregation: 'sum',
  },
  messages_handled: {
    source: 'agent',
    unit: 'messages',
    description: 'messages an agent handled in the window',
    aggregation: 'sum',
  },
  errors: {
    source: 'agent',
    unit: 'errors',
    description: 'messages whose handler threw, in the window',
    aggregation: 'sum',
  },
  error_rate: {
    source: 'agent',
    unit: 'ratio',
    description: 'errors over messages attempted, per agent',
    aggregation: 'max',
  },
  restarts: {
    source: 'agent',
    unit: 'restarts',
    description: 'agent restarts in the window',
    aggregation: 'sum',
  },
  tokens: {
    source: 'agent',
    unit: 'tokens',
    description: 'LM tokens spent in the window',
    aggregation: 'sum',
  },
  cost: {
    source: 'agent',
    unit: 'cost',
    description: 'money spent in the window',
    aggregation: 'sum',
  },
  aggregate_performance: {
    source: 'team',
    unit: 'score',
    description: "the team's score in [0, 1]",
    aggregation: 'average',
  },
  communication_efficiency: {
    source: 'team',
    unit: 'ratio',
    description: 'share of sent messages that reached a handler',
    aggregation: 'average',
  },
  adaptation_success_rate: {
    source: 'team',
    unit: 'ratio',
    description: 'share of recorded adaptations that succeeded',
    aggregation: 'average',
  },
  fault_recovery_time: {
    source: 'team',
    unit: 'ms',
    description: 'mean time from a crash to the restart',
    aggregation: 'average',
  },
  recovery_time: {
    source: 'team',
    unit: 'ms',
    description: 'time from a crash to the restart, one sample per recovery',
    aggregation: 'percentile',
  },
  agents_running: {
    source: 'team',
    unit: 'agents',
    description: 'agents running at the end of the window',
    aggregation: 'min',
  },
  crashes: {
    source: 'team',
    unit: 'crashes',
    description: 'agent crashes in the window',
    aggregation: 'sum',
  },
  dropped_messages: {
    source: 'team',
    unit: 'messages',
    description: 'messages dropped or refused by full mailboxes in the window',
    aggregation: 'sum',
  },
} as const satisfies Record<string, MetricDefinition>;

export type BuiltInMetric = keyof typeof BUILT_IN_METRICS;

/** Tracked when the options name none. */
export const DEFAULT_TRACKED_METRICS: readonly BuiltInMetric[] = [
  'mailbox_depth',
  'messages_per_second',
  'errors',
  'restarts',
  'aggregate_performance',
];

export const RESOURCE_METRIC_PREFIX = 'resource_utilization.';

export function isBuiltInMetric(name: string): name is BuiltInMetric {
  return Object.hasOwn(BUILT_IN_METRICS, name);
}

/** The aggregation a metric gets when the options give none. */
export function defaultAggregation(metric: string): AggregationSpec {
  if (isBuiltInMetric(metric)) return BUILT_IN_METRICS[metric].aggregation;
  return metric.startsWith(RESOURCE_METRIC_PREFIX) ? 'max' : 'average';
}

/**
 * Metrics an alert can watch per agent (`perAgent: true`), and the {@link AgentSnapshot} field each
 * reads: window counts for counters, the latest value for gauges.
 */
export const PER_AGENT_ALERT_FIELDS = {
  mailbox_depth: 'mailboxDepth',
  messages_per_second: 'messagesPerSecond',
  errors: 'errorsInWindow',
  error_rate: 'errorRate',
  restarts: 'restartsInWindow',
  crashes: 'crashesInWindow',
  dropped_messages: 'droppedInWindow',
  performance: 'performance',
  tokens: 'tokens',
  cost: 'cost',
} as const satisfies Record<string, keyof AgentSnapshot>;

export type PerAgentAlertMetric = keyof typeof PER_AGENT_ALERT_FIELDS;
