import {
  type AgentStats,
  createMultiAgentSpace,
  type MultiAgentSpace,
  type PerformanceMetrics,
  type RuntimeEvent,
  registerAgent,
} from '@varplane/core';
import { BehaviorSubject, Subject } from 'rxjs';
import type { MonitoredAgentStats, MonitoredSpace } from '../src/monitored-space';

/** A call the monitor made on the space's operations. */
export type SpaceCall =
  | { op: 'handleAgentFailure'; agent: string; reason: unknown }
  | { op: 'autoScale' }
  | { op: 'adaptSystem'; metrics: PerformanceMetrics };

/**
 * A space whose streams the test drives by hand, for the parts of telemetry that do not need a
 * runtime: every event is one the test wrote, and every operation the monitor calls is recorded.
 */
export interface HandDrivenSpace extends MonitoredSpace {
  readonly space$: BehaviorSubject<MultiAgentSpace>;
  readonly events$: Subject<RuntimeEvent>;
  readonly calls: SpaceCall[];
  emit(event: RuntimeEvent): void;
  report(
    at: number,
    stats: readonly (Partial<MonitoredAgentStats> & Pick<AgentStats, 'agent'>)[],
  ): void;
}

export function createHandDrivenSpace(space: MultiAgentSpace): HandDrivenSpace {
  const space$ = new BehaviorSubject(space);
  const events$ = new Subject<RuntimeEvent>();
  const calls: SpaceCall[] = [];
  return {
    space$,
    events$,
    calls,
    emit: (event) => events$.next(event),
    report(at, stats) {
      events$.next({
        type: 'stats-reported',
        at,
        stats: stats.map((s) => ({
          mailboxDepth: 0,
          messagesHandled: 0,
          errors: 0,
          restarts: 0,
          ...s,
        })),
      });
    },
    async handleAgentFailure(agent, reason) {
      calls.push({ op: 'handleAgentFailure', agent, reason });
    },
    async autoScale() {
      calls.push({ op: 'autoScale' });
      return { scaled: 1 };
    },
    async adaptSystem(metrics) {
      calls.push({ op: 'adaptSystem', metrics });
    },
  };
}

/** A star of three agents: `planner` (the coordinator), `coder` and `reviewer`. */
export function threeAgentTeam(): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'team', topology: 'star' });
  for (const id of ['planner', 'coder', 'reviewer']) {
    space = registerAgent(space, {
      id,
      behaviour: id,
      role: id === 'planner' ? 'coordinator' : 'executor',
    });
  }
  return space;
}

/** Emits `agent-started` for the three agents of {@link threeAgentTeam}. */
export function startedAll(space: HandDrivenSpace, at = 0): void {
  for (const agent of ['planner', 'coder', 'reviewer']) {
    space.emit({ type: 'agent-started', at, agent, behaviour: agent });
  }
}
