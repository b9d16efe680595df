import type { AgentRef, Clock, ExitReason, Random, RuntimeEvent } from '@varplane/core';
import { toErrorInfo } from '@varplane/core/internal';
import type { AgentContext, AnyBehaviour } from '../behaviour';
import {
  AgentAlreadyExistsError,
  AgentCrashedError,
  AgentNotFoundError,
  AgentNotRunningError,
  CallError,
  ClusterRequiredError,
  MailboxFullError,
  StepTimeoutError,
} from '../errors';
import type { NameRegistry } from '../registry';
import type { ResourceLedger } from '../resource-ledger';
import type { Decider, Decision } from '../restart-decisions';
import type { Router } from '../router';
import { CallEnvelope } from './call-envelope';
import { Cell, DEAD, EXITED, RUNNING, STARTING } from './cell';
import { CellTable } from './cell-table';
import { DeadlineQueue } from './deadline-queue';
import { Exits, isShutdownError } from './exits';
import { HandleStep } from './handle-step';
import { applySwap } from './hot-swap';
import { LocalRef } from './local-ref';
import { Scheduler } from './scheduler';

/** Where the answer to a call that moved with its agent goes: a caller waiting on `node`. */
export interface ReplyAddress {
  node: string;
  id: string;
}

/** How a call ended: its reply, or the error it was rejected with. */
export type CallOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Sends to agents on other nodes; `@varplane/cluster` provides one. It is asked only for agents
 * that are not here: a ref naming another node for an agent that moved in is delivered locally.
 */
export interface RemoteTransport {
  send(ref: AgentRef, message: unknown): boolean;
  /**
   * At-least-once delivery (`send(to, message, { delivery: 'at-least-once' })`): stores the
   * message durably for the node hosting `ref` (which may be this one) and resolves once it is
   * stored; that node acknowledges it only after the agent's `handle` returned, so a crash of
   * the hosting process redelivers it. Without it, at-least-once sends are refused.
   */
  sendAtLeastOnce?(ref: AgentRef, message: unknown): Promise<void>;
  call(ref: AgentRef, message: unknown, timeoutMs: number): Promise<unknown>;
  /**
   * Takes the outcome of a call handled here, after its agent moved in, back to the caller's
   * node, whose system settles it with `answer`. Without it such callers time out.
   */
  answer?(to: ReplyAddress, outcome: CallOutcome): void;
}

export interface KernelOptions {
  node: string;
  clock: Clock;
  random: Random;
  quantum: number;
  sliceLimit: number;
  sliceMs: number;
  callTimeoutMs: number;
  ledger: ResourceLedger;
  registry: NameRegistry;
  emit: (event: RuntimeEvent) => void;
  /** True when someone listens to events: skip building them otherwise. */
  observed: () => boolean;
  makeContext: (cell: Cell, kernel: Kernel) => AgentContext;
  transport?: RemoteTransport;
}

/** What the kernel needs to spawn a cell; validated by the public layer. */
export interface CellOptions {
  id?: string;
  name?: string;
  cpuWeight?: number;
  urgent?: boolean;
  capacity?: number;
  overflow?: 'reject' | 'drop_oldest';
  resources?: {
    memory?: number;
    cpu?: number;
    concurrency?: number;
    tokens?: number;
    cost?: number;
  };
  trapExits?: boolean;
  /** Count the messages the agent sends, per destination, for its stats. */
  countSent?: boolean;
  decide?: Decider;
  parent?: Cell;
  /** See {@link Cell.initTimeoutMs}. */
  initTimeoutMs?: number;
  /** Adopted from a snapshot: this state instead of `init`, and this mail first. */
  restored?: { state: unknown; mail: readonly unknown[] };
}

/** Never throws: a value whose prototype or `then` cannot be read is not a thenable. */
export const isThenable = (value: unknown): value is PromiseLike<unknown> => {
  if (value === null || typeof value !== 'object') return false;
  try {
    return value instanceof Promise || typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
};

/**
 * The machinery under an actor system: cells and their mailboxes, dispatch, starting and
 * stopping. Exits, links and monitors live in {@link Exits}. Nothing here validates input: the
 * public layer (`createActorSystem`) does, so the hot path stays lean.
 */
export class Kernel {
  /** Every cell that holds its id, by id and in spawn order (see {@link CellTable}). */
  readonly cells = new CellTable();
  readonly routes = new Map<string, Router>();
  readonly scheduler: Scheduler;
  readonly exits: Exits;
  readonly node: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly ledger: ResourceLedger;
  readonly registry: NameRegistry;
  readonly callTimeoutMs: number;
  /** The deadlines of calls in flight, on one timer. */
  readonly deadlines: DeadlineQueue;
  /** Who a cell talks to; set by a running space. */
  neighbours: ((id: string) => readonly string[]) | null = null;
  deadLetters = 0;
  private readonly quantum: number;
  private readonly emitEvent: (event: RuntimeEvent) => void;
  private readonly observed: () => boolean;
  /** Made once, so a spawn allocates no closure. */
  private readonly contextOf: (cell: Cell) => AgentContext;
  readonly transport: RemoteTransport | undefined;
  /** The cell whose turn it is: requests against it wait for the message in hand. */
  private executing: Cell | null = null;
  private inflight = 0;
  private seq = 0;
  private readonly overflowed: Cell[] = [];
  private readonly prefixes = new WeakMap<object, string>();

  constructor(options: KernelOptions) {
    this.node = options.node;
    this.clock = options.clock;
    this.random = options.random;
    this.quantum = options.quantum;
    this.callTimeoutMs = options.callTimeoutMs;
    this.deadlines = new DeadlineQueue(options.clock);
    this.ledger = options.ledger;
    this.registry = options.registry;
    this.emitEvent = options.emit;
    this.observed = options.observed;
    const makeContext = options.makeContext;
    this.contextOf = (cell) => makeContext(cell, this);
    this.transport = options.transport;
    this.exits = new Exits(this);
    this.scheduler = new Scheduler(
      (cell) => this.turn(cell),
      options.sliceLimit,
      options.sliceMs,
      () => this.inflight === 0,
    );
  }

  emit(event: RuntimeEvent): void {
    if (this.observed()) this.emitEvent(event);
  }

  // ---------------------------------------------------------------------------------------------
  // Spawning and starting

  spawn(behaviour: AnyBehaviour, args: unknown, options: CellOptions): Cell {
    const id = options.id ?? this.nextId(behaviour);
    if (this.cells.has(id)) throw new AgentAlreadyExistsError(id);
    const cell = new Cell(id, this.node, this, behaviour, args, this.contextOf);
    if (options.cpuWeight !== undefined) cell.weight = options.cpuWeight;
    if (options.urgent === true) cell.urgent = true;
    if (options.capacity !== undefined) cell.capacity = options.capacity;
    if (options.overflow !== undefined) cell.overflow = options.overflow;
    if (options.trapExits === true) cell.trapExits = true;
    // Null-prototype: any agent id is a plain key, `constructor` and `__proto__` included.
    if (options.countSent === true) cell.sent = Object.create(null) as Record<string, number>;
    if (options.decide !== undefined) cell.decide = options.decide;
    if (options.initTimeoutMs !== undefined) cell.initTimeoutMs = options.initTimeoutMs;
    if (options.resources !== undefined) {
      this.ledger.reserve(id, options.resources);
      cell.reserved = true;
    }
    if (options.name !== undefined) {
      try {
        this.registry.register(options.name, cell.ref);
      } catch (error) {
        if (cell.reserved) this.ledger.release(id);
        throw error;
      }
    }
    this.cells.add(cell);
    const parent = options.parent;
    if (parent !== undefined) {
      cell.parent = parent;
      if (parent.children === null) parent.children = [cell];
      else parent.children.push(cell);
    }
    const restored = options.restored;
    if (restored === undefined) {
      this.start(cell);
    } else {
      for (const message of restored.mail) cell.push(message);
      cell.state = restored.state;
      this.started(cell);
    }
    return cell;
  }

  private nextId(behaviour: AnyBehaviour): string {
    let prefix = this.prefixes.get(behaviour);
    if (prefix === undefined) {
      prefix = behaviour.name.replace(/[^A-Za-z0-9_.:-]/g, '_');
      this.prefixes.set(behaviour, prefix);
    }
    let id = `${prefix}-${++this.seq}`;
    while (this.cells.has(id)) id = `${prefix}-${++this.seq}`;
    return id;
  }

  /** Runs `init`; the cell handles mail once it returns. */
  private start(cell: Cell): void {
    cell.status = STARTING;
    cell.lastDecision = 'restart';
    const behaviour = cell.behaviour;
    if (behaviour.init === undefined) {
      cell.state = cell.args;
      this.started(cell);
      return;
    }
    let result: unknown;
    try {
      result = behaviour.init(cell.args, cell.ctx);
    } catch (error) {
      this.initFailed(cell, error);
      return;
    }
    if (!isThenable(result)) {
      cell.state = result;
      this.started(cell);
      return;
    }
    const disarm =
      cell.initTimeoutMs === Number.POSITIVE_INFINITY
        ? null
        : this.deadline(cell, cell.initTimeoutMs, () =>
            this.initFailed(cell, new StepTimeoutError(cell.id, 'init', cell.initTimeoutMs)),
          );
    this.track(
      cell,
      result,
      (state) => {
        disarm?.();
        cell.state = state;
        this.started(cell);
      },
      (error) => {
        disarm?.();
        this.initFailed(cell, error);
      },
      disarm ?? undefined,
    );
  }

  /**
   * Runs `onTimeout` in `ms` unless the returned disarm function runs first or the cell's
   * incarnation ends. `onTimeout` must end the incarnation: the step is then abandoned.
   */
  deadline(cell: Cell, ms: number, onTimeout: () => void): () => void {
    const incarnation = cell.incarnation;
    const timer = this.clock.setTimeout(() => {
      if (cell.incarnation === incarnation) onTimeout();
    }, ms);
    return () => this.clock.clearTimeout(timer);
  }

  private started(cell: Cell): void {
    cell.status = RUNNING;
    if (cell.incarnation === 0 && this.observed()) {
      this.emitEvent({
        type: 'agent-started',
        at: this.clock.now(),
        agent: cell.id,
        behaviour: cell.behaviour.name,
      });
    }
    const waiters = cell.startWaiters;
    if (waiters !== null) {
      cell.startWaiters = null;
      for (const resolve of waiters) resolve(undefined);
    }
    this.afterStep(cell);
  }

  private initFailed(cell: Cell, error: unknown): void {
    cell.errors++;
    cell.lastError = error;
    const info = toErrorInfo(error);
    this.emit({ type: 'agent-crashed', at: this.clock.now(), agent: cell.id, error: info });
    // Resuming has no state to resume from: a failed init restarts at most.
    const decision = this.decideOn(cell, error);
    cell.lastDecision = decision === 'resume' ? 'restart' : decision;
    this.exits.exit(cell, isShutdownError(error) ? 'shutdown' : { error: info });
  }

  /**
   * Resolves once the cell runs: now, after its async init, or after the restart it is waiting
   * for. Rejects with the init error if it exits first, or when it is stopped for good.
   */
  whenStarted(cell: Cell): Promise<void> {
    if (cell.status === RUNNING) return Promise.resolve();
    if (cell.status !== STARTING && cell.status !== EXITED) {
      return Promise.reject(cell.lastError ?? new AgentNotRunningError(cell.id));
    }
    return new Promise((resolve, reject) => {
      const waiter = (error: unknown) => (error === undefined ? resolve() : reject(error));
      if (cell.startWaiters === null) cell.startWaiters = [waiter];
      else cell.startWaiters.push(waiter);
    });
  }

  /** Re-runs `init` on an exited cell, keeping its id, mailbox and names. */
  restart(cell: Cell, delayMs: number): boolean {
    if (cell.status !== EXITED) return false;
    cell.restarts++;
    this.emit({
      type: 'agent-restarted',
      at: this.clock.now(),
      agent: cell.id,
      restarts: cell.restarts,
      delayMs,
    });
    // A fresh context: steps of the ended incarnation that are still in flight keep the old one,
    // which no longer acts.
    cell.ctx = this.contextOf(cell);
    this.start(cell);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Messages

  lookup(target: AgentRef | string): Cell | undefined {
    const id = typeof target === 'string' ? target : target.id;
    if (this.routes.size !== 0) {
      const router = this.routes.get(id);
      if (router !== undefined) return this.cells.get(router.pick());
    }
    if (typeof target !== 'string') {
      // A ref this kernel made knows its cell; a restart keeps the cell, so it stays good.
      const cell = LocalRef.cellOf<Cell>(target, this);
      if (cell !== undefined && cell.status !== DEAD) return cell;
    }
    return this.cells.get(id);
  }

  send(target: AgentRef | string, message: unknown, atLeastOnce = false): boolean {
    if (atLeastOnce) return this.sendAtLeastOnce(target, message);
    if (typeof target !== 'string' && target.node !== this.node) {
      const here = this.movedHere(target);
      if (here !== undefined) return this.enqueue(here, message);
      return this.transport?.send(target, message) ?? this.deadLetter();
    }
    const cell = this.lookup(target);
    if (cell === undefined || cell.status === DEAD) {
      // An agent that moved away: its mail follows it.
      const forward = this.forwards?.get(typeof target === 'string' ? target : target.id);
      if (forward !== undefined && forward.node !== this.node) return this.send(forward, message);
      if (forward !== undefined) {
        const there = this.lookup(forward);
        if (there !== undefined && there.status !== DEAD) return this.enqueue(there, message);
      }
      return this.deadLetter();
    }
    return this.enqueue(cell, message);
  }

  /** Durable sends that the transport failed to store (after its own retries). */
  durableFailures = 0;

  /**
   * Hands `message` to the transport's durable queue of the node that hosts `target` now: this
   * node for a local agent or one that moved in, the new node for one that moved away.
   */
  private sendAtLeastOnce(target: AgentRef | string, message: unknown): boolean {
    const transport = this.transport;
    if (transport?.sendAtLeastOnce === undefined) {
      throw new ClusterRequiredError(
        `send to ${describeTarget(target)} with delivery 'at-least-once' needs a transport with durable queues (@varplane/cluster); this system has ${transport === undefined ? 'no transport' : 'a transport without them'}`,
      );
    }
    transport.sendAtLeastOnce(this.hostOf(target), message).catch(() => {
      this.durableFailures++;
    });
    return true;
  }

  /** The ref of the node hosting `target` as far as this node knows. */
  private hostOf(target: AgentRef | string): AgentRef {
    if (typeof target !== 'string' && target.node !== this.node) {
      const here = this.movedHere(target);
      return here === undefined ? target : { id: here.id, node: this.node };
    }
    const id = typeof target === 'string' ? target : target.id;
    const cell = this.lookup(target);
    if (cell !== undefined && cell.status !== DEAD) return { id: cell.id, node: this.node };
    return this.forwards?.get(id) ?? { id, node: this.node };
  }

  /**
   * A send that settles once `handle` has returned for it (a tracked cast): with `undefined`, or
   * rejecting with `AGENT_CRASHED` when `handle` threw, `AGENT_NOT_RUNNING` when the agent stopped
   * first, `CALL_TIMEOUT` past `timeout`. An agent that moved away has the message passed on to
   * its new node's durable queue, and the promise resolves once it is stored there.
   */
  deliverTracked(target: AgentRef | string, message: unknown, timeout: number): Promise<void> {
    const cell =
      typeof target !== 'string' && target.node !== this.node
        ? this.movedHere(target)
        : this.lookup(target);
    if (cell !== undefined && cell.status !== DEAD) return this.deliverTo(cell, message, timeout);
    const id = typeof target === 'string' ? target : target.id;
    const forward =
      typeof target === 'string' || target.node === this.node ? this.forwards?.get(id) : undefined;
    if (forward !== undefined) {
      if (forward.node === this.node) {
        const there = this.lookup(forward);
        if (there !== undefined && there.status !== DEAD)
          return this.deliverTo(there, message, timeout);
      } else if (this.transport?.sendAtLeastOnce !== undefined) {
        return this.transport.sendAtLeastOnce(forward, message);
      }
    }
    return Promise.reject(
      cell === undefined ? new AgentNotFoundError(id) : new AgentNotRunningError(id),
    );
  }

  private deliverTo(cell: Cell, message: unknown, timeout: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const envelope = new CallEnvelope(
        cell.id,
        message,
        resolve as (value: unknown) => void,
        reject,
        true,
      );
      envelope.arm(this.deadlines, timeout);
      this.enqueue(cell, envelope);
    });
  }

  /**
   * Agents that moved in from another node, by the ref they had there, and agents that moved out,
   * by id, with where they went. Null until an agent moves.
   */
  movedIn: Map<string, Cell> | null = null;
  forwards: Map<string, AgentRef> | null = null;

  /** The cell here of an agent that moved in and that `ref` names by its old node. */
  movedHere(ref: AgentRef): Cell | undefined {
    if (this.movedIn === null) return undefined;
    const key = `${ref.node}\u0000${ref.id}`;
    const cell = this.movedIn.get(key);
    if (cell === undefined) return undefined;
    if (cell.status !== DEAD) return cell;
    this.movedIn.delete(key);
    return undefined;
  }

  /** Where a call to `target`, which names no agent here, should go instead, if it moved. */
  private moved(target: AgentRef | string): AgentRef | Cell | undefined {
    if (typeof target !== 'string' && target.node !== this.node) return this.movedHere(target);
    const forward = this.forwards?.get(typeof target === 'string' ? target : target.id);
    if (forward === undefined || forward.node !== this.node) return forward;
    const there = this.lookup(forward);
    return there !== undefined && there.status !== DEAD ? there : undefined;
  }

  private deadLetter(): false {
    this.deadLetters++;
    return false;
  }

  /** `from`: the calling agent, whose `sent` counts the call once it is queued. */
  call(
    target: AgentRef | string,
    message: unknown,
    timeout: number,
    from: Cell | null = null,
  ): Promise<unknown> {
    if (typeof target !== 'string' && target.node !== this.node) {
      const here = this.movedHere(target);
      if (here !== undefined) return this.callCell(here, here.id, message, timeout, from);
      if (this.transport !== undefined) return this.transport.call(target, message, timeout);
      const where = `${target.id}@${target.node}`;
      return Promise.reject(
        new AgentNotFoundError(where, {
          message: `agent ${where} is on another node; calling it needs @varplane/cluster`,
        }),
      );
    }
    const cell = this.lookup(target);
    const id = typeof target === 'string' ? target : target.id;
    if (cell === undefined || cell.status === DEAD) {
      const moved = this.forwards === null ? undefined : this.moved(target);
      if (moved instanceof Cell) return this.callCell(moved, id, message, timeout, from);
      if (moved !== undefined) return this.call(moved, message, timeout, from);
      if (cell === undefined) return Promise.reject(new AgentNotFoundError(id));
      return Promise.reject(new AgentNotRunningError(id));
    }
    return this.callCell(cell, id, message, timeout, from);
  }

  private callCell(
    cell: Cell,
    id: string,
    message: unknown,
    timeout: number,
    from: Cell | null,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const envelope = new CallEnvelope(cell.id, message, resolve, reject);
      envelope.arm(this.deadlines, timeout);
      if (this.enqueue(cell, envelope) && from !== null && from.sent !== null) from.countSent(id);
    });
  }

  /** Queues a message (or call envelope), applying the mailbox bound. False when refused. */
  enqueue(cell: Cell, message: unknown): boolean {
    if (cell.status === DEAD) {
      if (CallEnvelope.is(message)) message.reject(new AgentNotRunningError(cell.id));
      return this.deadLetter();
    }
    if (cell.mailSize >= cell.capacity) {
      this.noteOverflow(cell);
      if (cell.overflow === 'reject') {
        if (CallEnvelope.is(message)) {
          message.reject(new MailboxFullError(cell.id, cell.capacity, 'reject'));
        }
        return false;
      }
      const oldest = cell.shift();
      if (CallEnvelope.is(oldest)) {
        oldest.reject(new MailboxFullError(cell.id, cell.capacity, 'drop_oldest'));
      }
    }
    cell.push(message);
    if (!cell.queued && cell.status === RUNNING && !cell.busy && !cell.suspended) {
      this.scheduler.enqueue(cell);
    }
    return true;
  }

  private noteOverflow(cell: Cell): void {
    if (cell.dropped++ === 0) {
      this.overflowed.push(cell);
      if (this.overflowed.length === 1) queueMicrotask(() => this.reportOverflows());
    }
  }

  // Overflows under a flood would be one event per message; they are summed per microtask instead.
  private reportOverflows(): void {
    for (const cell of this.overflowed.splice(0)) {
      const dropped = cell.dropped;
      cell.dropped = 0;
      this.emit({
        type: 'mailbox-overflowed',
        at: this.clock.now(),
        agent: cell.id,
        policy: cell.overflow,
        dropped,
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Dispatch

  /**
   * One turn of deficit round robin: the cell may handle `quantum * weight` messages (its unused
   * share carries over while it stays busy with mail), then it goes to the back of the run queue.
   */
  private turn(cell: Cell): number {
    if (cell.status !== RUNNING || cell.busy || cell.suspended) {
      cell.queued = false;
      return 0;
    }
    this.executing = cell;
    let deficit = cell.deficit + this.quantum * cell.weight;
    let handled = 0;
    while (cell.mailSize > 0 && deficit >= 1) {
      const message = cell.shift();
      deficit -= 1;
      handled++;
      this.deliver(cell, message);
      if (cell.status !== RUNNING || cell.busy || cell.pending) break;
    }
    this.executing = null;
    if (cell.status === RUNNING && !cell.busy && !cell.pending && cell.mailSize > 0) {
      cell.deficit = deficit;
      this.scheduler.requeue(cell);
    } else {
      cell.queued = false;
      cell.deficit = 0;
      if (cell.pending && !cell.busy) this.afterStep(cell);
    }
    return handled;
  }

  private deliver(cell: Cell, envelope: unknown): void {
    let message = envelope;
    let call: CallEnvelope | null = null;
    // `is` never throws: a message that is a Proxy with a throwing `getPrototypeOf` must not
    // take dispatch down. Primitives (most casts) skip the `instanceof` in it.
    if (CallEnvelope.is(envelope)) {
      call = envelope;
      message = envelope.message;
      cell.current = envelope;
    }
    let next: unknown;
    try {
      next = cell.behaviour.handle(message, cell.state, cell.ctx);
    } catch (error) {
      this.handleFailed(cell, error, call);
      return;
    }
    if (isThenable(next)) {
      this.awaitHandle(cell, next, call);
      return;
    }
    this.handled(cell, next, call);
  }

  // Apart from `deliver`, so the async path costs the sync one nothing.
  private awaitHandle(cell: Cell, pending: PromiseLike<unknown>, call: CallEnvelope | null): void {
    let step = cell.step;
    if (step === null || step.incarnation !== cell.incarnation) {
      step = new HandleStep(cell, this.settleHandle);
      cell.step = step;
    }
    step.call = call;
    cell.busy = true;
    this.inflight++;
    try {
      pending.then(step.onValue, step.onError);
    } catch (error) {
      // A thenable whose `then` throws: the step failed, now.
      step.onError(error);
    }
  }

  /** An async `handle` settled: as `track` does, with no closure per message. */
  private readonly settleHandle = (step: HandleStep, ok: boolean, value: unknown): void => {
    const cell = step.cell;
    if (cell.incarnation === step.incarnation) {
      this.inflight--;
      cell.busy = false;
      const call = step.call;
      step.call = null;
      // Already at the top of a microtask: the queue runs here instead of in one more.
      const held = this.scheduler.hold();
      try {
        if (ok) {
          this.handled(cell, value, call);
          this.afterStep(cell);
        } else if (this.handleFailed(cell, value, call)) {
          this.afterStep(cell);
        }
      } finally {
        if (held) this.scheduler.release();
      }
    }
    this.scheduler.checkIdle();
  };

  private handled(cell: Cell, state: unknown, call: CallEnvelope | null): void {
    cell.state = state;
    cell.handled++;
    if (call === null) return;
    cell.current = null;
    if (call.cast) {
      call.resolve(undefined);
      return;
    }
    if (!call.settled && !call.deferred) {
      call.reject(
        new CallError(cell.id, {
          code: 'CALL_NOT_ANSWERED',
          message: `agent ${cell.id} (${cell.behaviour.name}) handled the call without ctx.reply or ctx.deferReply`,
        }),
      );
    }
  }

  /** A throw from `handle`. True when the supervisor chose to resume the agent. */
  private handleFailed(cell: Cell, error: unknown, call: CallEnvelope | null): boolean {
    cell.errors++;
    cell.lastError = error;
    cell.current = null;
    if (call !== null) call.reject(new AgentCrashedError(cell.id, error));
    const info = toErrorInfo(error);
    this.emit({ type: 'agent-crashed', at: this.clock.now(), agent: cell.id, error: info });
    const decision = this.decideOn(cell, error);
    if (decision === 'resume') {
      this.emit({ type: 'agent-resumed', at: this.clock.now(), agent: cell.id, error: info });
      return true;
    }
    cell.lastDecision = decision;
    this.exits.crash(cell, { error: info });
    return false;
  }

  private decideOn(cell: Cell, error: unknown): Decision {
    if (cell.decide === null) return 'restart';
    try {
      return cell.decide(error, cell.id);
    } catch {
      // A decider that throws must not take supervision down with it.
      return 'restart';
    }
  }

  /**
   * Runs an async step of a cell (init, handle, terminate, code change): the cell is busy until it
   * settles, and the callbacks run only if the cell is still in the same incarnation (a kill in
   * the meantime makes the result stale; `onStale` hears of it).
   */
  track(
    cell: Cell,
    pending: PromiseLike<unknown>,
    onValue: (value: unknown) => void,
    onError: (error: unknown) => void,
    onStale?: () => void,
  ): void {
    const incarnation = cell.incarnation;
    cell.busy = true;
    this.inflight++;
    const settle = (run: () => void) => {
      if (cell.incarnation === incarnation) {
        this.inflight--;
        cell.busy = false;
        run();
      } else {
        // Counted out already, when the incarnation ended (see `abandonStep`).
        onStale?.();
      }
      this.scheduler.checkIdle();
    };
    try {
      pending.then(
        (value) => settle(() => onValue(value)),
        (error) => settle(() => onError(error ?? new Error('rejected without a reason'))),
      );
    } catch (error) {
      // A thenable whose `then` throws: the step failed, now.
      settle(() => onError(error ?? new Error('then threw without a reason')));
    }
  }

  /**
   * The incarnation of a busy cell ended: its step in flight no longer counts, so `whenIdle`
   * does not wait for a promise that may never settle.
   */
  abandonStep(cell: Cell): void {
    if (!cell.busy) return;
    cell.busy = false;
    this.inflight--;
    queueMicrotask(() => this.scheduler.checkIdle());
  }

  /** A swap or stop was requested: act now if the cell is between messages, else after this one. */
  request(cell: Cell): void {
    cell.pending = true;
    if (cell.status === RUNNING && !cell.busy && this.executing !== cell) this.afterStep(cell);
  }

  /** Between messages: apply a pending swap or stop, or take more mail. */
  afterStep(cell: Cell): void {
    if (cell.pending) {
      if (cell.swap !== null) {
        applySwap(this, cell);
        if (cell.busy) return;
      }
      cell.pending = false;
      if (cell.stopReason !== null && cell.status === RUNNING) {
        this.exits.terminate(cell);
        return;
      }
    }
    if (cell.suspended) {
      // Between messages now: a `suspend` waiting for the message in hand is done.
      const waiters = cell.suspendWaiters;
      if (waiters !== null && !cell.busy && cell.status === RUNNING) {
        cell.suspendWaiters = null;
        for (const resolve of waiters) resolve();
      }
      return;
    }
    if (cell.mailSize > 0 && !cell.queued && cell.status === RUNNING && !cell.busy) {
      this.scheduler.enqueue(cell);
    }
  }

  /**
   * Stops a cell: `terminate` runs after the current message, within `timeout` ms, after which the
   * cell is killed; `brutal` kills at once. Resolves when the cell has exited.
   */
  shutdown(cell: Cell, reason: ExitReason, timeout: number | 'brutal' | 'infinity'): Promise<void> {
    return this.exits.shutdown(cell, reason, timeout);
  }

  whenIdle(): Promise<void> {
    return this.scheduler.whenIdle();
  }
}

function describeTarget(target: AgentRef | string): string {
  return typeof target === 'string'
    ? JSON.stringify(target)
    : `${JSON.stringify(target.id)}@${JSON.stringify(target.node)}`;
}
