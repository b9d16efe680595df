import {
  type AgentRef,
  type AgentStats,
  agentIdSchema,
  type Clock,
  createRandom,
  type ExitReason,
  InvalidArgumentError,
  LOCAL_NODE,
  type Random,
  type ResourcePool,
  type RuntimeEvent,
  systemClock,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { type Observable, Subject } from 'rxjs';
import { z } from 'zod';
import {
  type AnyBehaviour,
  type Behaviour,
  type CallOptions,
  checkBehaviour,
  type SendOptions,
  type SpawnOptions,
} from './behaviour';
import { isSupervisorBehaviour, spawnOptionsSchema } from './child-spec';
import { AgentNotFoundError, SystemStoppedError } from './errors';
import { type AgentRunStatus, type Cell, DEAD, EXITED, STATUS_NAMES } from './internal/cell';
import { Context } from './internal/context';
import { hotSwap } from './internal/hot-swap';
import {
  type CallOutcome,
  Kernel,
  type RemoteTransport,
  type ReplyAddress,
} from './internal/kernel';
import { parseOrThrow } from './internal/parse';
import { wantsAtLeastOnce } from './internal/send-options';
import { toCellOptions } from './internal/spawn-options';
import { toTarget } from './internal/target';
import { checkTimeoutMs, MAX_TIMEOUT_MS } from './internal/timeouts';
import { type AdoptOptions, type AgentSnapshot, movingMethods } from './migration';
import {
  createNameRegistry,
  type NameRegistry,
  type NameResolver,
  withNameResolver,
} from './registry';
import {
  createResourceLedger,
  type Exhaustion,
  observeLedger,
  type ResourceLedger,
} from './resource-ledger';
import { createRouter, type Router, type RouterKind } from './router';
import { type SupervisionNode, snapshotCell } from './supervision-tree';

export type { CallOutcome, RemoteTransport, ReplyAddress } from './internal/kernel';

export interface ActorSystemOptions {
  /** This process's node name in refs (default `local`). */
  node?: string;
  clock?: Clock;
  random?: Random;
  /** Messages a weight-1 agent may handle per turn before others get theirs (default 64). */
  quantum?: number;
  /**
   * Messages handled before the dispatcher lets timers and I/O run (default 10,000), counted
   * across runs until the host has had its turn.
   */
  sliceLimit?: number;
  /** Milliseconds of work before the dispatcher lets timers and I/O run (default 4). */
  sliceMs?: number;
  /** Default call timeout in ms (default 5,000). */
  callTimeoutMs?: number;
  /** The pool agents reserve from; unlimited where left out. */
  resources?: Partial<ResourcePool>;
  /** Delivery to agents on other nodes (`@varplane/cluster`). */
  transport?: RemoteTransport;
  /** The resource books to use instead of a local ledger over `resources` (not both). */
  ledger?: ResourceLedger;
  /** Asked by `whereis` for names not registered here (a cluster's registry). */
  nameResolver?: NameResolver;
}

/** One agent's vital signs. */
export interface AgentInfo {
  id: string;
  behaviour: string;
  status: AgentRunStatus;
  mailboxDepth: number;
  messagesHandled: number;
  errors: number;
  restarts: number;
  /** The id of its supervisor, if it has one. */
  supervisor?: string;
}

export interface StopOptions {
  /** Default `shutdown`. */
  reason?: ExitReason;
  /** Ms for `terminate` before a brutal kill, `brutal`, or `infinity` (default 5,000). */
  timeout?: number | 'brutal' | 'infinity';
}

/**
 * Supervised actors in one process. Agents are addressed by ref or id, handle one message at a
 * time, and are dispatched fairly by cpu weight. Lifecycle events go to `events$`; per-message
 * work never does.
 */
export interface ActorSystem {
  readonly node: string;
  readonly clock: Clock;
  readonly random: Random;
  /** Lifecycle, crashes, restarts, swaps, overflows and budget refusals, as they happen. */
  readonly events$: Observable<RuntimeEvent>;
  readonly resources: ResourceLedger;
  readonly registry: NameRegistry;
  /** Starts an agent; `init` runs at once (an async init holds its mail until it resolves). */
  spawn<S, M, A>(behaviour: Behaviour<S, M, A>, args?: A, options?: SpawnOptions): AgentRef;
  /**
   * Fire and forget; false when the message was not queued (unknown agent, full mailbox).
   * `{ delivery: 'at-least-once' }` goes through the transport's durable queue (see
   * `SendOptions`).
   */
  send(to: AgentRef | string, message: unknown, options?: SendOptions): boolean;
  /**
   * A send that tells when it was handled: resolves once the agent's `handle` returned for it
   * (the agent sees an ordinary send), rejects with `AGENT_CRASHED` when `handle` threw,
   * `AGENT_NOT_FOUND` / `AGENT_NOT_RUNNING`, `MAILBOX_FULL`, or `CALL_TIMEOUT` past
   * `options.timeout` (default `callTimeoutMs`). For transports that acknowledge a message only
   * after the work is done. Local agents only (or ones that moved away, whose new node's durable
   * queue takes the message).
   */
  deliver(to: AgentRef | string, message: unknown, options?: CallOptions): Promise<void>;
  /** Resolves with the reply, or rejects with a typed error: timeout, dead agent, crash. */
  call<Reply = unknown>(
    to: AgentRef | string,
    message: unknown,
    options?: CallOptions,
  ): Promise<Reply>;
  /** Stops an agent for good (its supervisor does not restart it); resolves once it is gone. */
  stop(to: AgentRef | string, options?: StopOptions): Promise<void>;
  /** Ends an agent at once with `reason` (default `killed`), no `terminate`: supervisors react. */
  kill(to: AgentRef | string, reason?: ExitReason): void;
  link(a: AgentRef | string, b: AgentRef | string): void;
  unlink(a: AgentRef | string, b: AgentRef | string): void;
  /**
   * `watcher` gets an `agent-exited` message (via `monitor`) when `target` exits; at once, with
   * reason `noproc`, when `target` is already gone.
   */
  monitor(watcher: AgentRef | string, target: AgentRef | string): number;
  demonitor(monitor: number): void;
  /**
   * The next message is handled by `behaviour`, its state migrated by `codeChange`. A
   * `codeChange` that has not settled after `timeout` ms (default 5,000) fails the swap with
   * `STEP_TIMEOUT` and ends the agent with that error, for its supervisor to restart.
   */
  hotSwap<S, M, A>(
    to: AgentRef | string,
    behaviour: Behaviour<S, M, A>,
    options?: { timeout?: number },
  ): Promise<void>;
  register(name: string, ref: AgentRef | string): void;
  unregister(name: string): void;
  whereis(name: string): AgentRef | undefined;
  info(to: AgentRef | string): AgentInfo | undefined;
  list(): AgentInfo[];
  /** Counters per agent, for a stats event. */
  stats(): AgentStats[];
  /** Every root agent (no supervisor), with the tree under each supervisor. */
  tree(): SupervisionNode[];
  /** Where `ctx.neighbours()` and `ctx.broadcast()` look; a running space sets it. */
  setNeighbours(neighbours: ((id: string) => readonly string[]) | null): void;
  /** Sends to `id` go to one of `instances` (`round_robin` or `least_loaded`). */
  route(id: string, instances: readonly string[], kind: RouterKind): Router;
  unroute(id: string): void;
  routeOf(id: string): Router | undefined;
  /** Messages that found no agent. */
  deadLetters(): number;
  /** Resolves when no agent has mail and no async step is in flight. */
  whenIdle(): Promise<void>;
  /** The agent finishes the message in hand, then holds its mail; resolves once it does. */
  suspend(to: AgentRef | string): Promise<void>;
  /** A suspended agent handles its mail again (a snapshot exported meanwhile is void). */
  resume(to: AgentRef | string): void;
  /** A serializable snapshot of a suspended agent: state, mail, names, links, monitors. */
  export(to: AgentRef | string): AgentSnapshot;
  /** Starts an agent from a snapshot, with its mail first (no `init`). */
  adopt(snapshot: AgentSnapshot, options: AdoptOptions): AgentRef;
  /** Ends a suspended, exported agent; mail held since the export, and later mail, go to `forwardTo`. */
  release(to: AgentRef | string, forwardTo: AgentRef | string): void;
  /**
   * Where mail for agent `id` goes since this system released it (`release`), or undefined. Sends
   * follow it only while no agent `id` runs here.
   */
  forwardOf(id: string): AgentRef | undefined;
  /** Settles a call that moved with its agent and was handled on another node (a transport's job). */
  answer(to: ReplyAddress, outcome: CallOutcome): boolean;
  /** Stops every root agent in reverse order of start. */
  shutdown(): Promise<void>;
}

const optionsSchema = z
  .object({
    node: agentIdSchema.optional(),
    clock: z.custom<Clock>((v) => typeof v === 'object' && v !== null && 'now' in v).optional(),
    random: z.custom<Random>((v) => typeof v === 'object' && v !== null && 'next' in v).optional(),
    quantum: z.number().int().positive().optional(),
    sliceLimit: z.number().int().positive().optional(),
    sliceMs: z.number().positive().finite().optional(),
    callTimeoutMs: z.number().positive().max(MAX_TIMEOUT_MS).optional(),
    resources: z.record(z.string(), z.number().nonnegative()).optional(),
    transport: z.custom<RemoteTransport>((v) => typeof v === 'object' && v !== null).optional(),
    ledger: z
      .custom<ResourceLedger>(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          typeof (v as ResourceLedger).reserve === 'function',
        'expected a ResourceLedger',
      )
      .optional(),
    nameResolver: z
      .custom<NameResolver>(
        (v) =>
          typeof v === 'object' && v !== null && typeof (v as NameResolver).whereis === 'function',
        'expected an object with whereis(name)',
      )
      .optional(),
  })
  .strict();

const kernels = new WeakMap<ActorSystem, Kernel>();

/** The kernel under a system, for the runtime's own modules. */
export function kernelOf(system: ActorSystem): Kernel {
  const kernel = kernels.get(system);
  if (kernel === undefined) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: 'not an actor system made by createActorSystem',
    });
  }
  return kernel;
}

function callTimeout(options: unknown, fallback: number, operation = 'call'): number {
  if (options === undefined) return fallback;
  const timeout = readOption(options, 'timeout', operation);
  if (timeout === undefined) return fallback;
  checkTimeoutMs(timeout, `${operation}: timeout`);
  return timeout as number;
}

/** `options[key]`, read once; options that are not an object, or a getter that throws, are refused. */
function readOption(options: unknown, key: string, operation: string): unknown {
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

const EXIT_REASONS: readonly unknown[] = ['normal', 'shutdown', 'killed', 'noproc'];

/** An exit reason: one of the four words, or `{ error }` with the error's message. */
function checkExitReason(reason: unknown, operation: string): ExitReason {
  if (EXIT_REASONS.includes(reason)) return reason as ExitReason;
  let message: unknown;
  try {
    if (typeof reason === 'object' && reason !== null) {
      const error = (reason as { error?: unknown }).error;
      if (typeof error === 'object' && error !== null)
        message = (error as { message?: unknown }).message;
    }
  } catch {
    // A getter that throws: not a reason.
  }
  if (typeof message === 'string') return reason as ExitReason;
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${operation}: reason must be 'normal', 'shutdown', 'killed', 'noproc' or { error: { message } } (got ${describeValue(reason)})`,
    issues: [{ path: 'reason', message: 'expected an exit reason', value: reason }],
  });
}

function checkId(id: unknown, operation: string): asserts id is string {
  if (typeof id === 'string') return;
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${operation}: id must be a string (got ${describeValue(id)})`,
    issues: [{ path: 'id', message: 'must be a string', value: id }],
  });
}

function checkStopTimeout(timeout: unknown): void {
  if (timeout === undefined || timeout === 'brutal' || timeout === 'infinity') return;
  checkTimeoutMs(timeout, 'stop: options.timeout', true);
}

/**
 * An actor system.
 *
 * @example
 * const system = createActorSystem({ clock: createManualClock() });
 * const counter = system.spawn(counterBehaviour, 0);
 * system.send(counter, { type: 'add', n: 2 });
 * await system.call(counter, { type: 'get' }); // 2
 */
export function createActorSystem(given: ActorSystemOptions = {}): ActorSystem {
  // The parsed copy: options are read once, so a getter cannot answer differently later.
  const options = parseOrThrow(optionsSchema, given, {
    code: 'INVALID_ARGUMENT',
    subject: 'createActorSystem',
  }) as ActorSystemOptions;
  const events = new Subject<RuntimeEvent>();
  const clock = options.clock ?? systemClock;
  let kernel: Kernel;
  const local = createNameRegistry();
  const registry =
    options.nameResolver === undefined ? local : withNameResolver(local, options.nameResolver);
  const onExhausted = (e: Exhaustion) =>
    kernel.emit({
      type: 'budget-exhausted',
      at: clock.now(),
      agent: e.holder,
      resource: e.resource,
      requested: e.requested,
      available: e.available,
    });
  if (options.ledger !== undefined && options.resources !== undefined) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: 'createActorSystem: give resources (for a local ledger) or a ledger, not both',
      issues: [{ path: 'ledger', message: 'not with resources', value: options.ledger }],
    });
  }
  const ledger =
    options.ledger === undefined
      ? createResourceLedger(options.resources, { onExhausted })
      : observeLedger(options.ledger, onExhausted);
  let stopped = false;

  const spawnChecked = (
    behaviour: AnyBehaviour,
    args: unknown,
    spawnOptions: SpawnOptions | undefined,
    spawner: Cell | null,
  ): AgentRef => {
    if (stopped) throw new SystemStoppedError('spawn');
    checkBehaviour(behaviour);
    if (spawnOptions === undefined) return kernel.spawn(behaviour, args, {}).ref;
    const parsed = parseOrThrow(spawnOptionsSchema, spawnOptions, {
      code: 'INVALID_ARGUMENT',
      subject: 'spawn',
      prefix: 'options',
    }) as SpawnOptions;
    const cell = kernel.spawn(behaviour, args, toCellOptions(parsed));
    if (parsed.link === true && spawner !== null && cell.status !== DEAD)
      kernel.exits.link(spawner, cell);
    return cell.ref;
  };

  const spawnFrom = (parent: Cell, b: AnyBehaviour, a: unknown, o: SpawnOptions | undefined) =>
    spawnChecked(b, a, o, parent);

  kernel = new Kernel({
    node: options.node ?? LOCAL_NODE,
    clock,
    random: options.random ?? createRandom(Date.now()),
    quantum: options.quantum ?? 64,
    sliceLimit: options.sliceLimit ?? 10_000,
    sliceMs: options.sliceMs ?? 4,
    callTimeoutMs: options.callTimeoutMs ?? 5_000,
    ledger,
    registry,
    emit: (event) => events.next(event),
    observed: () => events.observed,
    makeContext: (cell, k) => new Context(cell, k, spawnFrom),
    ...(options.transport === undefined ? {} : { transport: options.transport }),
  });

  const require = (given: AgentRef | string, operation: string): Cell => {
    const to = toTarget(given, operation);
    const cell = kernel.lookup(to);
    if (cell === undefined || cell.status === DEAD) {
      throw new AgentNotFoundError(typeof to === 'string' ? to : to.id);
    }
    return cell;
  };

  const infoOf = (cell: Cell): AgentInfo => {
    const info: AgentInfo = {
      id: cell.id,
      behaviour: cell.behaviour.name,
      status: STATUS_NAMES[cell.status],
      mailboxDepth: cell.mailSize,
      messagesHandled: cell.handled,
      errors: cell.errors,
      restarts: cell.restarts,
    };
    if (cell.parent !== null) info.supervisor = cell.parent.id;
    return info;
  };

  const statsOf = (cell: Cell): AgentStats => {
    const stats: AgentStats = {
      agent: cell.id,
      mailboxDepth: cell.mailSize,
      messagesHandled: cell.handled,
      errors: cell.errors,
      restarts: cell.restarts,
    };
    const account = ledger.holding(cell.id);
    if (account !== undefined) {
      stats.tokens = account.tokensSpent;
      stats.cost = account.costSpent;
    }
    // A copy: the cell's counts move on, the report stays as it was.
    if (cell.sent !== null) stats.sent = { ...cell.sent };
    return stats;
  };

  const system: ActorSystem = {
    node: kernel.node,
    clock,
    random: kernel.random,
    events$: events.asObservable(),
    resources: ledger,
    registry,
    spawn: (behaviour, args, spawnOptions) => spawnChecked(behaviour, args, spawnOptions, null),
    send(to, message, sendOptions) {
      return kernel.send(toTarget(to), message, wantsAtLeastOnce(sendOptions, 'send'));
    },
    deliver(given, message, deliverOptions) {
      let to: AgentRef | string;
      let timeout: number;
      try {
        to = toTarget(given);
        timeout = callTimeout(deliverOptions, kernel.callTimeoutMs, 'deliver');
      } catch (error) {
        return Promise.reject(error);
      }
      return kernel.deliverTracked(to, message, timeout);
    },
    call<Reply>(given: AgentRef | string, message: unknown, callOptions?: CallOptions) {
      let to: AgentRef | string;
      let timeout: number;
      try {
        to = toTarget(given);
        timeout = callTimeout(callOptions, kernel.callTimeoutMs);
      } catch (error) {
        return Promise.reject(error);
      }
      return kernel.call(to, message, timeout) as Promise<Reply>;
    },
    stop(to, stopOptions = {}) {
      let cell: Cell;
      let given: StopOptions['timeout'];
      let reason: ExitReason;
      try {
        given = readOption(stopOptions, 'timeout', 'stop') as StopOptions['timeout'];
        checkStopTimeout(given);
        reason = checkExitReason(readOption(stopOptions, 'reason', 'stop') ?? 'shutdown', 'stop');
        cell = require(to, 'stop');
      } catch (error) {
        return Promise.reject(error);
      }
      const timeout = given ?? (isSupervisorBehaviour(cell.behaviour) ? 'infinity' : 5_000);
      // Stopped for good: no longer its supervisor's to restart.
      kernel.exits.detach(cell);
      if (cell.status === EXITED) {
        kernel.exits.retire(cell, reason);
        return Promise.resolve();
      }
      return kernel.shutdown(cell, reason, timeout);
    },
    kill(to, reason = 'killed') {
      kernel.exits.exit(require(to, 'kill'), checkExitReason(reason, 'kill'));
    },
    link(a, b) {
      kernel.exits.link(require(a, 'link'), require(b, 'link'));
    },
    unlink(a, b) {
      kernel.exits.unlink(require(a, 'unlink'), require(b, 'unlink'));
    },
    monitor(watcher, watched) {
      const cell = require(watcher, 'monitor');
      const target = toTarget(watched, 'monitor');
      // A target that is gone is reported at once with reason `noproc`, as in OTP.
      const ref =
        kernel.lookup(target) ??
        (typeof target === 'string' ? { id: target, node: kernel.node } : target);
      return kernel.exits.monitor(cell, ref);
    },
    demonitor: (monitor) => kernel.exits.demonitor(monitor),
    hotSwap(to, behaviour, swapOptions) {
      try {
        checkBehaviour(behaviour, 'hotSwap');
        const given =
          swapOptions === undefined ? undefined : readOption(swapOptions, 'timeout', 'hotSwap');
        const timeout = given ?? 5_000;
        checkTimeoutMs(timeout, 'hotSwap: options.timeout');
        return hotSwap(kernel, require(to, 'hotSwap'), behaviour, timeout as number);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    register(name, ref) {
      registry.register(name, require(ref, 'register').ref);
    },
    unregister: (name) => registry.unregister(name),
    whereis: (name) => registry.whereis(name),
    info(to) {
      const cell = kernel.lookup(toTarget(to));
      return cell === undefined || cell.status === DEAD ? undefined : infoOf(cell);
    },
    list: () => kernel.cells.values().map(infoOf),
    stats: () => kernel.cells.values().map(statsOf),
    tree: () =>
      kernel.cells
        .values()
        .filter((cell) => cell.parent === null)
        .map((cell) => snapshotCell(cell)),
    setNeighbours(neighbours) {
      if (neighbours !== null && typeof neighbours !== 'function') {
        throw new InvalidArgumentError({
          code: 'INVALID_ARGUMENT',
          message: `setNeighbours: expected a function or null (got ${describeValue(neighbours)})`,
          issues: [
            { path: 'neighbours', message: 'expected a function or null', value: neighbours },
          ],
        });
      }
      kernel.neighbours = neighbours;
    },
    route(id, instances, kind) {
      checkId(id, 'route');
      const router = createRouter(kind, instances, (instance) => {
        const cell = kernel.cells.get(instance);
        return cell === undefined ? Number.POSITIVE_INFINITY : cell.mailSize + (cell.busy ? 1 : 0);
      });
      kernel.routes.set(id, router);
      return router;
    },
    unroute(id) {
      checkId(id, 'unroute');
      kernel.routes.delete(id);
    },
    routeOf(id) {
      checkId(id, 'routeOf');
      return kernel.routes.get(id);
    },
    forwardOf(id) {
      checkId(id, 'forwardOf');
      const forward = kernel.forwards?.get(id);
      return forward === undefined ? undefined : { id: forward.id, node: forward.node };
    },
    deadLetters: () => kernel.deadLetters,
    whenIdle: () => kernel.whenIdle(),
    ...movingMethods(kernel, require),
    async shutdown() {
      const roots = kernel.cells
        .values()
        .filter((cell) => cell.parent === null)
        .reverse();
      for (const cell of roots) {
        const timeout = isSupervisorBehaviour(cell.behaviour) ? 'infinity' : 5_000;
        await kernel.shutdown(cell, 'shutdown', timeout);
      }
      stopped = true;
      events.complete();
    },
  };
  kernels.set(system, kernel);
  return system;
}
