import {
  type AgentDirective,
  type AgentPort,
  type AgentStats,
  agentIdSchema,
  type Clock,
  InvalidArgumentError,
  type MultiAgentSpace,
  type PerformanceMetrics,
  performanceMetricsSchema,
  type Random,
  type RuntimeEvent,
  type StrategyRegistry,
} from '@varplane/core';
import { describeValue, idRecord } from '@varplane/core/internal';
import type { BehaviorSubject, Observable } from 'rxjs';
import { z } from 'zod';
import {
  type ActorSystem,
  createActorSystem,
  kernelOf,
  type RemoteTransport,
} from './actor-system';
import { autoScale } from './auto-scale';
import { type AnyBehaviour, type CallOptions, checkBehaviour } from './behaviour';
import { AgentNotFoundError, AgentNotRunningError, SpaceNotRunningError } from './errors';
import { recoverAgent, watchFailures } from './fault-recovery';
import { createGrantBook, type GrantBook, poolCapacity } from './grant-book';
import { parseOrThrow } from './internal/parse';
import {
  type MigrateHandler,
  type PerformanceMeasure,
  SpaceRuntime,
  Tally,
} from './internal/space-runtime';
import { MAX_TIMEOUT_MS } from './internal/timeouts';
import { createLiveTopology } from './live-topology';
import { rollback } from './rollback';
import { isSelected } from './space-constraints';
import { adaptAll, coordinateAll, setVariable } from './space-coordination';
import { applyDirectives } from './space-directives';
import { type DispatchOptions, SelectionDispatcher } from './space-dispatch';
import { tellFollowers } from './space-followers';
import { startAgent, stopAgent } from './space-lifecycle';
import { validateSpace } from './space-validation';
import type { SupervisionNode } from './supervision-tree';
import { startSupervisor } from './supervisor-handle';

export type {
  MigrateHandler,
  MigrateRequest,
  PerformanceMeasure,
} from './internal/space-runtime';
export type { DispatchOptions } from './space-dispatch';

export interface StartSpaceOptions {
  /** The behaviours the space's agents name, by name. */
  behaviours: Readonly<Record<string, AnyBehaviour>>;
  clock?: Clock;
  random?: Random;
  /** How often `stats-reported` events go out, in ms (default 5,000; 0 turns them off). */
  statsIntervalMs?: number;
  /** Where variables' named coordination and adaptation strategies are found. */
  registry?: StrategyRegistry;
  /** Longest a variable's coordination or adaptation may run, in ms (default 5,000). */
  coordinationTimeoutMs?: number;
  /**
   * Measures the team in [0, 1] before and after each operation, for the adaptation event's
   * `performanceImpact`. Default: the share of agents meant to be active that are running.
   */
  measure?: PerformanceMeasure;
  /** Default call timeout in ms (default 5,000). */
  callTimeoutMs?: number;
  /** Dispatch quantum (messages per turn at weight 1; default 64). */
  quantum?: number;
  node?: string;
  transport?: RemoteTransport;
  /** Takes over `migrate` directives; without it they fail with `MIGRATE_NEEDS_CLUSTER`. */
  migrate?: MigrateHandler;
  /**
   * Capacity of resource types the grants of `running.grants` may use beyond the pool's own
   * (`memory`, `cpu`, `concurrency`, `network`, `storage`, `tokens`, `cost`), say `{ gpu: 2 }`.
   */
  grantCapacity?: Readonly<Record<string, number>>;
}

/**
 * A `MultiAgentSpace` running. Every operation returns the new space value and records an
 * adaptation event (trigger, changes, affected agents, outcome, measured performance impact), so
 * `rollback(eventId)` can restore what came before. Operations run one at a time.
 */
export interface RunningSpace {
  readonly id: string;
  /** The current space value. */
  readonly space$: BehaviorSubject<MultiAgentSpace>;
  /** Lifecycle, failures, directives, adaptations, topology changes, periodic per-agent stats. */
  readonly events$: Observable<RuntimeEvent>;
  /** Lets strategies ask live agents: `ask` is a `call` with the question as the message. */
  readonly agents: AgentPort;
  readonly system: ActorSystem;
  /**
   * The resource grants the team holds (`coordinateResources`' grants), their conditions honoured:
   * release on idle, shared holdings, preemption by priority.
   */
  readonly grants: GrantBook;
  /** Fire and forget to an agent (or, when it is scaled, to one of its instances). */
  send(agentId: string, message: unknown): boolean;
  call<Reply = unknown>(agentId: string, message: unknown, options?: CallOptions): Promise<Reply>;
  /**
   * Calls whoever the agent selection `variableId` selects for this message: a running selected
   * agent (in turn, or as `options.choose` picks). A swap loses no call: the leaving agent drains
   * first, and while no selected agent runs the call waits for the swap. Rejects with
   * `NO_AGENT_SELECTED` when none runs after it, `SPACE_VARIABLE_UNKNOWN` for an unknown variable.
   */
  callSelected<Reply = unknown>(
    variableId: string,
    message: unknown,
    options?: DispatchOptions,
  ): Promise<Reply>;
  /** Sends to whoever `variableId` selects (as `callSelected`); resolves with the agent's id. */
  sendToSelected(variableId: string, message: unknown, options?: DispatchOptions): Promise<string>;
  /**
   * Starts every agent not running, in order of registration, except those an agent selection
   * leaves out (they start when a coordination selects them).
   */
  startAgents(): Promise<MultiAgentSpace>;
  /** Coordinates every orchestration variable and applies the directives by priority. */
  coordinateAgents(): Promise<MultiAgentSpace>;
  /** Records measured metrics, adapts each variable, re-coordinates those that moved. */
  adaptSystem(metrics: PerformanceMetrics): Promise<MultiAgentSpace>;
  /** Recovers from an agent's failure as the space's fault-recovery config says. */
  handleAgentFailure(agentId: string, reason: unknown): Promise<MultiAgentSpace>;
  /** Applies the space's scaling policies once. */
  autoScale(): Promise<MultiAgentSpace>;
  /** Sets a variable's value and re-coordinates its agents (live re-wiring for a topology). */
  setVariable(variableId: string, value: unknown): Promise<MultiAgentSpace>;
  /**
   * Applies directives by priority; malformed ones are reported, never thrown. At most 1,000 a
   * call: a longer list is reported as one failure and none of it is applied.
   */
  applyDirectives(directives: readonly unknown[]): Promise<MultiAgentSpace>;
  /** Restores the configuration from before an adaptation event. */
  rollback(eventId: string): Promise<MultiAgentSpace>;
  /** The ids running for an agent: itself, then its scaled instances. */
  instances(agentId: string): readonly string[];
  /** The supervision tree of the space. */
  tree(): SupervisionNode;
  stats(): AgentStats[];
  /** Stops every agent in reverse order of start, then the runtime. */
  stop(): Promise<MultiAgentSpace>;
}

const optionsSchema = z
  .object({
    behaviours: z.record(
      z.string(),
      z.custom<AnyBehaviour>((v) => typeof v === 'object' && v !== null, 'must be a behaviour'),
    ),
    clock: z.custom<Clock>((v) => typeof v === 'object' && v !== null).optional(),
    random: z.custom<Random>((v) => typeof v === 'object' && v !== null).optional(),
    statsIntervalMs: z.number().int().nonnegative().max(MAX_TIMEOUT_MS).optional(),
    registry: z.custom<StrategyRegistry>((v) => typeof v === 'object' && v !== null).optional(),
    coordinationTimeoutMs: z.number().int().positive().max(MAX_TIMEOUT_MS).optional(),
    measure: z
      .custom<PerformanceMeasure>((v) => typeof v === 'function', 'must be a function')
      .optional(),
    callTimeoutMs: z.number().positive().max(MAX_TIMEOUT_MS).optional(),
    quantum: z.number().int().positive().optional(),
    node: agentIdSchema.optional(),
    transport: z.custom<RemoteTransport>((v) => typeof v === 'object' && v !== null).optional(),
    migrate: z
      .custom<MigrateHandler>((v) => typeof v === 'function', 'must be a function')
      .optional(),
    grantCapacity: z.record(z.string().min(1), z.number().nonnegative()).optional(),
  })
  .strict();

function checkId(operation: string, field: string, value: unknown): asserts value is string {
  if (typeof value === 'string') return;
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${operation}: ${field} must be a string (got ${describeValue(value)})`,
    issues: [{ path: field, message: 'must be a string', value }],
  });
}

/** A rejected promise when `check` throws; undefined when it passes. */
function checked(check: () => void): Promise<never> | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `options[key]`, read once; options that are not an object, or a throwing getter, are refused. */
function readField(operation: string, options: unknown, key: string): unknown {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${operation}: options must be an object (got ${describeValue(options)})`,
      issues: [{ path: 'options', message: 'expected an object', value: options }],
    });
  }
  try {
    return (options as Record<string, unknown>)[key];
  } catch (cause) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${operation}: options.${key} could not be read`,
      issues: [{ path: `options.${key}`, message: 'could not be read' }],
      cause,
    });
  }
}

/** Dispatch options as a plain copy: `choose` a function, `timeout` left to the call to check. */
function readDispatchOptions(operation: string, options: unknown): DispatchOptions {
  const choose = readField(operation, options, 'choose');
  const timeout = readField(operation, options, 'timeout');
  if (choose !== undefined && typeof choose !== 'function') {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${operation}: options.choose must be a function (got ${describeValue(choose)})`,
      issues: [{ path: 'options.choose', message: 'must be a function', value: choose }],
    });
  }
  const out: DispatchOptions = {};
  if (choose !== undefined) out.choose = choose as NonNullable<DispatchOptions['choose']>;
  if (timeout !== undefined) out.timeout = timeout as number;
  return out;
}

/** The default measure: the share of agents meant to be active that are running. */
export function teamHealth(rt: { space: MultiAgentSpace; isRunning(id: string): boolean }): number {
  const { space, isRunning } = parseOrThrow(teamHealthSchema, rt, {
    code: 'INVALID_ARGUMENT',
    subject: 'teamHealth',
  });
  const meant = Object.values(space.agents).filter(
    (a) => a.status === 'active' || a.status === 'failed',
  );
  if (meant.length === 0) return 1;
  let running = 0;
  for (const agent of meant) {
    let answer: unknown;
    try {
      answer = isRunning.call(rt, agent.id);
    } catch (cause) {
      throw new InvalidArgumentError({
        code: 'INVALID_ARGUMENT',
        message: `teamHealth: isRunning(${describeValue(agent.id)}) threw`,
        issues: [{ path: 'isRunning', message: 'threw' }],
        cause,
      });
    }
    if (answer === true) running++;
  }
  return running / meant.length;
}

const teamHealthSchema = z.object({
  space: z.object({
    agents: idRecord(z.object({ id: z.string(), status: z.string().optional() })),
  }),
  isRunning: z.custom<(id: string) => boolean>(
    (v) => typeof v === 'function',
    'must be a function',
  ),
});

/**
 * Runs a space: validates it (a space that fails does not start: `SPACE_INVALID` with every bad
 * path), starts its supervisor and returns the running space. Agents start with `startAgents`.
 *
 * @example
 * const team = await startSpace(space, { behaviours: { planner, coder } });
 * await team.startAgents();
 * await team.coordinateAgents();
 * const plan = await team.call('planner', { type: 'plan', task });
 * await team.stop();
 */
export async function startSpace(
  space: MultiAgentSpace,
  options: StartSpaceOptions,
): Promise<RunningSpace> {
  parseOrThrow(optionsSchema, options, {
    code: 'INVALID_ARGUMENT',
    subject: 'startSpace',
    prefix: 'options',
  });
  for (const [name, behaviour] of Object.entries(options.behaviours))
    checkBehaviour(behaviour, `options.behaviours.${name}`);
  validateSpace(space, options.behaviours, { distributed: options.transport !== undefined });

  const systemOptions: Parameters<typeof createActorSystem>[0] = { resources: space.resourcePool };
  if (options.clock !== undefined) systemOptions.clock = options.clock;
  if (options.random !== undefined) systemOptions.random = options.random;
  if (options.callTimeoutMs !== undefined) systemOptions.callTimeoutMs = options.callTimeoutMs;
  if (options.quantum !== undefined) systemOptions.quantum = options.quantum;
  if (options.node !== undefined) systemOptions.node = options.node;
  if (options.transport !== undefined) systemOptions.transport = options.transport;
  const system = createActorSystem(systemOptions);
  const topology = createLiveTopology(space.coordinationGraph);
  system.setNeighbours((id) => topology.neighbours(id));
  const supervisor = await startSupervisor(system, {
    id: `space:${space.id}`,
    name: 'space',
    strategy: 'one_for_one',
    intensity: space.faultRecovery.maxRestarts,
    periodMs: space.faultRecovery.periodMs,
  });

  let rt: SpaceRuntime;
  const measure: PerformanceMeasure = options.measure ?? (() => teamHealth(rt));
  rt = new SpaceRuntime(
    system,
    kernelOf(system),
    supervisor,
    topology,
    {
      behaviours: options.behaviours,
      registry: options.registry,
      coordinationTimeoutMs: options.coordinationTimeoutMs ?? 5_000,
      measure,
      ...(options.migrate === undefined ? {} : { migrate: options.migrate }),
    },
    space,
  );
  const forwarding = system.events$.subscribe((event) => rt.emit(event));
  const failures = watchFailures(rt);
  const followers = tellFollowers(rt);

  const statsInterval = options.statsIntervalMs ?? 5_000;
  let statsTimer: ReturnType<Clock['setTimeout']> | undefined;
  const reportStats = () => {
    if (rt.stopped) return;
    rt.emit({ type: 'stats-reported', at: rt.now(), stats: rt.stats() });
    statsTimer = system.clock.setTimeout(reportStats, statsInterval);
  };
  if (statsInterval > 0) statsTimer = system.clock.setTimeout(reportStats, statsInterval);
  rt.emit({ type: 'space-started', at: rt.now(), spaceId: space.id });

  // Own keys: an agent called `constructor` is known only if the space has one.
  const known = (agentId: string) =>
    Object.hasOwn(rt.space.agents, agentId) ||
    [...rt.instances.values()].some((ids) => ids.includes(agentId));
  const call = <Reply>(
    agentId: string,
    message: unknown,
    callOptions?: CallOptions,
  ): Promise<Reply> => {
    if (rt.stopped) return Promise.reject(new SpaceNotRunningError(space.id, 'call'));
    try {
      checkId('call', 'agentId', agentId);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!known(agentId)) {
      return Promise.reject(
        new AgentNotFoundError(agentId, { message: `no agent ${agentId} in space ${space.id}` }),
      );
    }
    // An agent that migrated to another node runs there: the system forwards the call.
    if (rt.kernel.lookup(agentId) === undefined && rt.kernel.forwards?.get(agentId) === undefined) {
      return Promise.reject(
        new AgentNotRunningError(agentId, {
          message: `agent ${agentId} of space ${space.id} is not running`,
        }),
      );
    }
    return system.call<Reply>(agentId, message, callOptions);
  };

  const dispatcher = new SelectionDispatcher(rt);
  const grants = createGrantBook({
    capacity: { ...poolCapacity(space.resourcePool), ...options.grantCapacity },
    clock: system.clock,
    stats: () => rt.stats(),
    emit: (event) => {
      if (!rt.stopped) rt.emit(event);
    },
  });

  return {
    id: space.id,
    space$: rt.space$,
    events$: rt.events.asObservable(),
    agents: {
      ask(agentId, question, askOptions) {
        let timeout: unknown;
        try {
          timeout = readField('ask', askOptions, 'timeout');
        } catch (error) {
          return Promise.reject(error);
        }
        return call(agentId, question, timeout === undefined ? {} : { timeout: timeout as number });
      },
    },
    system,
    grants,
    send(agentId, message) {
      checkId('send', 'agentId', agentId);
      if (!known(agentId))
        throw new AgentNotFoundError(agentId, {
          message: `no agent ${agentId} in space ${space.id}`,
        });
      return !rt.stopped && system.send(agentId, message);
    },
    call,
    async callSelected<Reply>(variableId: string, message: unknown, options: DispatchOptions = {}) {
      if (rt.stopped) throw new SpaceNotRunningError(space.id, 'callSelected');
      checkId('callSelected', 'variableId', variableId);
      const checked = readDispatchOptions('callSelected', options);
      const agentId = await dispatcher.pick(variableId, message, checked);
      const { choose: _, ...callOptions } = checked;
      return system.call<Reply>(agentId, message, callOptions);
    },
    async sendToSelected(variableId, message, options = {}) {
      if (rt.stopped) throw new SpaceNotRunningError(space.id, 'sendToSelected');
      checkId('sendToSelected', 'variableId', variableId);
      const agentId = await dispatcher.pick(
        variableId,
        message,
        readDispatchOptions('sendToSelected', options),
      );
      system.send(agentId, message);
      return agentId;
    },
    startAgents: () =>
      rt.operate('startAgents', 'external_signal', async (tally) => {
        for (const id of Object.keys(rt.space.agents)) {
          if (!isSelected(rt.space, id)) continue;
          try {
            await startAgent(rt, id, tally);
            tally.ok();
          } catch (error) {
            tally.fail(error);
          }
        }
      }),
    coordinateAgents: () =>
      rt.operate('coordinateAgents', 'external_signal', (tally) => coordinateAll(rt, tally)),
    adaptSystem(metrics) {
      let parsed: PerformanceMetrics;
      try {
        parsed = parseOrThrow(performanceMetricsSchema, metrics, {
          code: 'INVALID_ARGUMENT',
          subject: 'adaptSystem',
          prefix: 'metrics',
        });
      } catch (error) {
        return Promise.reject(error);
      }
      const before = rt.space.performanceMetrics.aggregatePerformance;
      const trigger =
        parsed.aggregatePerformance < before
          ? 'performance_degradation'
          : 'optimization_opportunity';
      return rt.operate('adaptSystem', trigger, (tally) => adaptAll(rt, parsed, tally));
    },
    handleAgentFailure: (agentId, reason) =>
      checked(() => checkId('handleAgentFailure', 'agentId', agentId)) ??
      rt.operate('handleAgentFailure', 'fault_detected', (tally) =>
        recoverAgent(rt, agentId, reason, tally),
      ),
    autoScale() {
      let direction: 'up' | 'down' | 'none' = 'none';
      return rt.operate(
        'autoScale',
        () =>
          direction === 'up'
            ? 'load_increase'
            : direction === 'down'
              ? 'resource_constraint'
              : 'optimization_opportunity',
        async (tally) => {
          direction = await autoScale(rt, tally);
        },
      );
    },
    setVariable: (variableId, value) =>
      checked(() => checkId('setVariable', 'variableId', variableId)) ??
      rt.operate('setVariable', 'external_signal', (tally) =>
        setVariable(rt, variableId, value, tally),
      ),
    applyDirectives: (directives) =>
      rt.operate('applyDirectives', 'external_signal', (tally) =>
        applyDirectives(rt, directives as readonly AgentDirective[], tally),
      ),
    rollback: (eventId) =>
      checked(() => checkId('rollback', 'eventId', eventId)) ??
      rt.operate('rollback', 'external_signal', (tally) => rollback(rt, eventId, tally)),
    instances(agentId) {
      checkId('instances', 'agentId', agentId);
      return rt.instances.get(agentId) ?? (rt.isRunning(agentId) ? [agentId] : []);
    },
    tree: () => supervisor.snapshot(),
    stats: () => rt.stats(),
    stop: () =>
      rt.serial(async () => {
        if (rt.stopped) return rt.space;
        const tally = new Tally();
        const running = Object.keys(rt.space.agents).filter((id) => rt.isRunning(id));
        for (const id of running.slice().reverse()) rt.expectedStops.add(id);
        for (const ids of rt.instances.values()) for (const id of ids) rt.expectedStops.add(id);
        rt.stopped = true;
        for (const id of running.slice().reverse()) {
          try {
            await stopAgent(rt, id, tally);
            tally.ok();
          } catch (error) {
            tally.fail(error);
          }
        }
        await supervisor.stop();
        grants.close();
        if (statsTimer !== undefined) system.clock.clearTimeout(statsTimer);
        rt.syncPool();
        const final = rt.record('stop', 'external_signal', tally, 0);
        rt.emit({ type: 'space-stopped', at: rt.now(), spaceId: space.id });
        failures.unsubscribe();
        followers.unsubscribe();
        forwarding.unsubscribe();
        await system.shutdown();
        rt.events.complete();
        rt.space$.complete();
        return final;
      }),
  };
}
