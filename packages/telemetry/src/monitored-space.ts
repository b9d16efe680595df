import type { AgentStats, MultiAgentSpace, PerformanceMetrics, RuntimeEvent } from '@varplane/core';
import type { Observable } from 'rxjs';

/**
 * Counters one agent keeps, as a runtime reports them in `stats-reported` events. Core's
 * {@link AgentStats} has the optional `tokens`, `cost` (LM spending in all) and `sent` (messages
 * per destination in all: the message rates on the topology's edges); telemetry shows them when
 * the runtime counts them. `@varplane/runtime` counts `sent` for a running space's agents.
 */
export interface MonitoredAgentStats extends AgentStats {
  /** Instances running, for an agent that scales out. */
  readonly instances?: number;
}

/** One node of a running space's supervision tree, as the runtime snapshots it. */
export interface SupervisionNode {
  readonly id: string;
  /** `supervisor` or `worker`. */
  readonly kind: string;
  /** `running`, `restarting`, `stopped`... as the runtime names it. */
  readonly status: string;
  readonly restarts: number;
  readonly behaviour?: string;
  /** The supervisor's strategy (`one_for_one`...). */
  readonly strategy?: string;
  readonly errors?: number;
  readonly mailboxDepth?: number;
  readonly children?: readonly SupervisionNode[];
}

/**
 * What telemetry needs of a running space: its streams, and the operations alerts act through.
 * `@varplane/runtime`'s `startSpace` returns one; telemetry does not depend on the runtime, so any
 * object of this shape can be monitored (a remote space behind a proxy, a simulation).
 */
export interface MonitoredSpace {
  /** The space as it stands; emits the current value on subscribe. */
  readonly space$: Observable<MultiAgentSpace>;
  /** Lifecycle, failures, directives, adaptations and periodic `stats-reported` aggregates. */
  readonly events$: Observable<RuntimeEvent>;
  /** Recovers an agent by the space's fault-recovery policy (restart, replace...). */
  handleAgentFailure(agent: string, reason: unknown): unknown;
  /** Applies the space's scaling policies to its current load. */
  autoScale(): unknown;
  /** Adapts the orchestration variables (resource splits among them) to measured performance. */
  adaptSystem(metrics: PerformanceMetrics): unknown;
  /** The supervision tree as it stands, when the runtime exposes one. */
  tree?(): SupervisionNode;
  /** Every agent's counters now; when present, each window reads them as it closes. */
  stats?(): readonly MonitoredAgentStats[];
  /** The ids running for an agent (itself, then its scaled instances). */
  instances?(agentId: string): readonly string[];
}
