import type { CoordinationPattern, EdgeType, ErrorInfo, PerformanceMetrics } from '@varplane/core';
import type { Distribution } from './distribution';

/** An agent's state as telemetry last saw it in the runtime's events. */
export type AgentRunState = 'starting' | 'running' | 'crashed' | 'restarting' | 'stopped';

/** One agent at the end of a collection window. Rates and `InWindow` counts cover the window. */
export interface AgentSnapshot {
  readonly agent: string;
  readonly behaviour: string;
  readonly role: string;
  readonly state: AgentRunState;
  readonly instances: number;
  readonly mailboxDepth: number;
  readonly messagesHandled: number;
  readonly messagesPerSecond: number;
  readonly errors: number;
  readonly errorsInWindow: number;
  /** Errors over messages attempted in the window (0 when none were attempted). */
  readonly errorRate: number;
  readonly restarts: number;
  readonly restartsInWindow: number;
  readonly crashesInWindow: number;
  /** Messages dropped or refused by this agent's full mailbox in the window. */
  readonly droppedInWindow: number;
  readonly tokens: number;
  readonly cost: number;
  readonly tokensPerSecond: number;
  /** The agent's score in [0, 1] (see `collectMetrics`). */
  readonly performance: number;
}

/** A directed edge of the coordination graph, with its message rate when the runtime counts it. */
export interface EdgeSnapshot {
  readonly from: string;
  readonly to: string;
  readonly type: EdgeType;
  /** Absent when the runtime does not count messages per destination. */
  readonly messagesPerSecond?: number;
}

/** A crash seen in the window, and when the agent came back. */
export interface FaultRecord {
  readonly agent: string;
  readonly at: number;
  readonly error: ErrorInfo;
  readonly recoveredAt?: number;
}

/** Team totals over the window. */
export interface WindowActivity {
  readonly messagesHandled: number;
  readonly messagesPerSecond: number;
  readonly errors: number;
  readonly dropped: number;
  readonly crashes: number;
  readonly restarts: number;
  readonly directivesApplied: number;
  readonly directivesFailed: number;
  readonly topologyChanges: number;
  readonly adaptations: number;
  readonly tokens: number;
  readonly cost: number;
}

/**
 * What a monitor reports once per collection window on `metrics$`: the tracked series aggregated
 * as configured, every agent, the topology's edges, and the card's performance metrics.
 */
export interface MetricsSnapshot {
  /** 1 for the first window, then counting up. */
  readonly sequence: number;
  /** Clock time at the end of the window, in ms. */
  readonly at: number;
  readonly windowMs: number;
  /** Tracked series by name (`mailbox_depth`, `latency.p99`...), for windows that had samples. */
  readonly series: Readonly<Record<string, number>>;
  /**
   * The window's samples as bucket counts, for metrics aggregated as `percentile` and for
   * `recovery_time` (always): what exporters turn into histograms.
   */
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly agents: Readonly<Record<string, AgentSnapshot>>;
  readonly edges: readonly EdgeSnapshot[];
  readonly topology: CoordinationPattern;
  readonly performance: PerformanceMetrics;
  readonly activity: WindowActivity;
  readonly faults: readonly FaultRecord[];
}
