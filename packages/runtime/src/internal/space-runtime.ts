import {
  type AdaptationTrigger,
  type AgentDirective,
  type AgentStats,
  type ErrorInfo,
  type JsonValue,
  type MultiAgentSpace,
  type OrchestrationRunOptions,
  type RuntimeEvent,
  recordAdaptation,
  type StrategyRegistry,
  setAgentStatus,
  updateResourcePool,
  type VariableChange,
} from '@varplane/core';
import { toErrorInfo } from '@varplane/core/internal';
import { BehaviorSubject, Subject } from 'rxjs';
import type { ActorSystem } from '../actor-system';
import type { AnyBehaviour } from '../behaviour';
import { SpaceNotRunningError } from '../errors';
import type { LiveTopology } from '../live-topology';
import type { SupervisorHandle } from '../supervisor-handle';
import { RUNNING, STARTING } from './cell';
import type { Kernel } from './kernel';

/** Measures the team's performance in [0, 1], before and after each operation. */
export type PerformanceMeasure = (
  space: MultiAgentSpace,
  stats: readonly AgentStats[],
) => number | Promise<number>;

/** What a migrate hook is asked to do: move `agent` of the space to `node`. */
export interface MigrateRequest {
  agent: string;
  /** The directive's `parameters.node`. */
  node: string;
  directive: AgentDirective;
  /** The space's actor system (`suspend`, `export`, `release` live there). */
  system: ActorSystem;
}

/**
 * Takes over `migrate` directives (`@varplane/cluster` gives one). It runs within the
 * directive's timeout; a throw or rejection fails the directive, as any directive fails.
 */
export type MigrateHandler = (request: MigrateRequest) => void | Promise<void>;

export interface SpaceRuntimeOptions {
  behaviours: Readonly<Record<string, AnyBehaviour>>;
  migrate?: MigrateHandler;
  registry: StrategyRegistry | undefined;
  coordinationTimeoutMs: number;
  measure: PerformanceMeasure;
}

/** What one operation did, gathered while it runs, for its adaptation event. */
export class Tally {
  readonly changes: VariableChange[] = [];
  readonly errors: Array<{ code: string; message: string }> = [];
  attempted = 0;
  failed = 0;
  /** The outcome when nothing failed (`rolled_back` for a rollback). */
  succeeded: 'success' | 'rolled_back' = 'success';

  change(
    variableId: string,
    oldValue: unknown,
    newValue: unknown,
    affectedAgents: readonly string[],
  ): void {
    this.changes.push({ variableId, oldValue, newValue, affectedAgents: [...affectedAgents] });
  }

  ok(): void {
    this.attempted++;
  }

  fail(error: unknown): ErrorInfo {
    this.attempted++;
    this.failed++;
    const info = toErrorInfo(error);
    this.errors.push({ code: info.code ?? info.name, message: info.message });
    return info;
  }

  get outcome(): 'success' | 'rolled_back' | 'partial_success' | 'failure' {
    if (this.failed === 0) return this.succeeded;
    return this.failed < this.attempted ? 'partial_success' : 'failure';
  }
}

/**
 * The state behind a running space: the system and its supervisor, the current space value, the
 * live topology, scaled instances. Operations run one at a time through `operate`, so two of them
 * never interleave their changes to the space value.
 */
export class SpaceRuntime {
  readonly space$: BehaviorSubject<MultiAgentSpace>;
  readonly events = new Subject<RuntimeEvent>();
  /** Instances of scaled agents, the agent's own id first; absent while an agent runs alone. */
  readonly instances = new Map<string, string[]>();
  readonly lastScaledAt = new Map<string, number>();
  /** Agents the space is stopping on purpose: their stop is no failure. */
  readonly expectedStops = new Set<string>();
  /** The value each variable was last coordinated with. */
  readonly coordinated = new Map<string, JsonValue>();
  /** What each running instance of a following agent was last told of its variables (JSON). */
  readonly told = new Map<string, string>();
  /** Agents finishing their queued work before they stop: dispatches pass them by. */
  readonly draining = new Set<string>();
  /** Agents replaced by their fallback after a failure: their id routes to the fallback. */
  readonly replacements = new Map<string, string>();
  /** Measured fault recoveries, for the space's average recovery time. */
  recoveries = 0;
  /** Counters at the last autoscale, to turn totals into rates. */
  readonly lastCounters = new Map<string, { handled: number; errors: number; restarts: number }>();
  stopped = false;
  private chain: Promise<unknown> = Promise.resolve();
  private eventSeq = 0;

  constructor(
    readonly system: ActorSystem,
    readonly kernel: Kernel,
    readonly supervisor: SupervisorHandle,
    readonly topology: LiveTopology,
    readonly options: SpaceRuntimeOptions,
    space: MultiAgentSpace,
  ) {
    this.space$ = new BehaviorSubject(space);
  }

  get space(): MultiAgentSpace {
    return this.space$.value;
  }

  commit(next: MultiAgentSpace): MultiAgentSpace {
    if (next !== this.space$.value) this.space$.next(next);
    return next;
  }

  emit(event: RuntimeEvent): void {
    this.events.next(event);
  }

  now(): number {
    return this.system.clock.now();
  }

  runOptions(): OrchestrationRunOptions {
    const options: OrchestrationRunOptions = {
      clock: this.system.clock,
      random: this.system.random,
      timeoutMs: this.options.coordinationTimeoutMs,
    };
    if (this.options.registry !== undefined) options.registry = this.options.registry;
    return options;
  }

  /** Runs after every operation queued before it. */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * One operation of the running space: measured before and after, its changes and errors
   * recorded as one adaptation event, the new space value returned.
   */
  operate(
    operation: string,
    trigger: AdaptationTrigger | ((tally: Tally) => AdaptationTrigger),
    work: (tally: Tally) => Promise<void>,
  ): Promise<MultiAgentSpace> {
    return this.serial(async () => {
      if (this.stopped) throw new SpaceNotRunningError(this.space.id, operation);
      const before = await this.measure();
      const tally = new Tally();
      await work(tally);
      this.syncPool();
      const after = await this.measure();
      const why = typeof trigger === 'function' ? trigger(tally) : trigger;
      return this.record(operation, why, tally, after - before);
    });
  }

  record(
    operation: string,
    trigger: AdaptationTrigger,
    tally: Tally,
    performanceImpact: number,
  ): MultiAgentSpace {
    const history = this.space.adaptationHistory;
    let id = `${this.space.id}-${++this.eventSeq}`;
    while (history.some((event) => event.id === id)) id = `${this.space.id}-${++this.eventSeq}`;
    const next = recordAdaptation(this.space, {
      id,
      timestamp: this.now(),
      trigger,
      operation,
      changes: tally.changes,
      outcome: tally.outcome,
      performanceImpact,
      errors: tally.errors,
    });
    this.commit(next);
    const event = next.adaptationHistory[next.adaptationHistory.length - 1];
    if (event !== undefined) this.emit({ type: 'adaptation-recorded', at: this.now(), event });
    return next;
  }

  async measure(): Promise<number> {
    const value = await this.options.measure(this.space, this.stats());
    return Number.isFinite(value) ? value : 0;
  }

  stats(): AgentStats[] {
    return this.system.stats();
  }

  /** The pool in the space value follows the ledger. */
  syncPool(): void {
    const pool = this.system.resources.pool();
    const current = this.space.resourcePool;
    const same = (Object.keys(pool) as Array<keyof typeof pool>).every(
      (key) => pool[key] === current[key],
    );
    if (!same) this.commit(updateResourcePool(this.space, pool));
  }

  setStatus(
    agentId: string,
    status: MultiAgentSpace['agents'][string]['status'],
    tally?: Tally,
  ): void {
    const previous = this.space.agents[agentId]?.status;
    if (previous === undefined || previous === status) return;
    this.commit(setAgentStatus(this.space, agentId, status));
    tally?.change(`agents.${agentId}.status`, previous, status, [agentId]);
  }

  /** True while the agent (its own cell, not a scaled instance) runs or starts. */
  isRunning(agentId: string): boolean {
    const cell = this.kernel.cells.get(agentId);
    return cell !== undefined && (cell.status === RUNNING || cell.status === STARTING);
  }
}
