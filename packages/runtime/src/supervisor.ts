import { type ExitReason, InvalidArgumentError, type TimerHandle } from '@varplane/core';
import { describeValue, toErrorInfo } from '@varplane/core/internal';
import { backoffDelay } from './backoff';
import type { AgentContext, Behaviour } from './behaviour';
import {
  type NormalizedChildSpec,
  normalizeSupervisorOptions,
  SUPERVISOR,
  type SupervisorOptions,
} from './child-spec';
import { RestartIntensityExceededError, SupervisionError } from './errors';
import { type Cell, EXITED, RUNNING, STARTING } from './internal/cell';
import {
  type ChildRecord,
  newRecord,
  restartRecord,
  retireRecord,
  type SupervisorState,
  spawnRecord,
  stopAll,
  stopForRestart,
} from './internal/child-records';
import { Context } from './internal/context';
import { ChildExit, exitsWithShutdown } from './internal/exits';
import type { Kernel } from './internal/kernel';
import type { Decision } from './restart-decisions';
import { createRestartWindow, recordRestart } from './restart-intensity';
import { isCommand, onCommand } from './supervisor-commands';

class RestartDue {
  constructor(
    readonly records: readonly ChildRecord[],
    readonly delayMs: number,
    readonly timer: { handle?: TimerHandle },
  ) {}
}

function internals(ctx: AgentContext): { cell: Cell; kernel: Kernel } {
  let inside = false;
  try {
    inside = ctx instanceof Context;
  } catch {
    // `instanceof` asks a Proxy for its prototype; one that throws is no context of ours.
  }
  if (!inside) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: 'a supervisor runs only inside a varplane actor system',
    });
  }
  const context = ctx as Context;
  return { cell: context.cell, kernel: context.kernel };
}

const shouldRestart = (spec: NormalizedChildSpec, reason: ExitReason): boolean =>
  spec.restart === 'permanent' ||
  (spec.restart === 'transient' && reason !== 'normal' && reason !== 'shutdown');

/**
 * A supervisor, as a behaviour: start it with `startSupervisor`, or nest it as a child of another
 * supervisor. Children start in order and stop in reverse; when one exits, the strategy decides
 * who restarts (`one_for_one`: it; `one_for_all`: everyone; `rest_for_one`: it and those started
 * after it; `simple_one_for_one`: it, from a template, children added by `startChild`). More
 * than `intensity` restarts within `periodMs` stop every child and fail the supervisor, so its
 * own supervisor decides (escalation up the tree).
 *
 * @example
 * const tree = createSupervisor({
 *   strategy: 'rest_for_one',
 *   children: [
 *     { id: 'db', behaviour: store },
 *     { id: 'api', behaviour: api, restart: 'transient', shutdown: 2_000 },
 *   ],
 * });
 */
export function createSupervisor(
  options: SupervisorOptions,
): Behaviour<SupervisorState, unknown, unknown> {
  const normalized = normalizeSupervisorOptions(options);
  const behaviour: Behaviour<SupervisorState, unknown, unknown> & { [SUPERVISOR]: true } = {
    [SUPERVISOR]: true,
    name: normalized.name,
    init(_args, ctx) {
      const { cell, kernel } = internals(ctx);
      cell.urgent = true;
      const state: SupervisorState = {
        [SUPERVISOR]: true,
        id: cell.id,
        options: normalized,
        records:
          normalized.strategy === 'simple_one_for_one'
            ? []
            : normalized.children.map((spec) => newRecord(spec)),
        window: createRestartWindow(normalized.intensity, normalized.periodMs),
        timers: new Set(),
        seq: 0,
      };
      return startFrom(state, 0, cell, kernel);
    },
    handle(message, state, ctx) {
      const { cell, kernel } = internals(ctx);
      if (message instanceof ChildExit) return onChildExit(state, message, cell, kernel, ctx);
      if (message instanceof RestartDue) {
        if (message.timer.handle !== undefined) state.timers.delete(message.timer.handle);
        return restartInOrder(state, message.records, 0, message.delayMs, cell, kernel, ctx);
      }
      if (isCommand(message) && ctx.isCall) return onCommand(state, message, cell, kernel, ctx);
      if (ctx.isCall) {
        ctx.deferReply().reject(
          new InvalidArgumentError({
            code: 'INVALID_ARGUMENT',
            message: `supervisor ${state.id}: unknown command ${describeValue(message)}`,
          }),
        );
      }
      return state;
    },
    terminate(_reason, state, ctx) {
      const { kernel } = internals(ctx);
      for (const timer of state.timers) kernel.clock.clearTimeout(timer);
      state.timers.clear();
      return stopAll(state.records, kernel, state.options.strategy === 'simple_one_for_one');
    },
  };
  return behaviour;
}

/** Ordered start: each child runs before the next starts. A failure stops the started ones. */
function startFrom(
  state: SupervisorState,
  from: number,
  supervisor: Cell,
  kernel: Kernel,
): SupervisorState | Promise<SupervisorState> {
  for (let i = from; i < state.records.length; i++) {
    const record = state.records[i] as ChildRecord;
    let cell: Cell;
    try {
      cell = spawnRecord(record, state, supervisor, kernel);
    } catch (error) {
      return failStart(state, record, error, kernel);
    }
    if (cell.status === STARTING) {
      return kernel.whenStarted(cell).then(
        () => startFrom(state, i + 1, supervisor, kernel),
        (error) => failStart(state, record, error, kernel),
      );
    }
    if (cell.status !== RUNNING) return failStart(state, record, cell.lastError, kernel);
  }
  return state;
}

async function failStart(
  state: SupervisorState,
  record: ChildRecord,
  error: unknown,
  kernel: Kernel,
): Promise<never> {
  await stopAll(state.records, kernel, state.options.strategy === 'simple_one_for_one');
  // As in OTP, the supervisor then exits `shutdown`; the error says why.
  throw exitsWithShutdown(
    new SupervisionError(state.id, {
      code: 'CHILD_START_FAILED',
      message: `supervisor ${state.id}: child ${record.spec.id} failed to start: ${toErrorInfo(error).message}`,
      cause: error,
    }),
  );
}

function onChildExit(
  state: SupervisorState,
  message: ChildExit,
  supervisor: Cell,
  kernel: Kernel,
  ctx: AgentContext,
): SupervisorState | Promise<SupervisorState> {
  const record = state.records.find((r) => r.cell === message.child);
  const child = message.child;
  if (
    record === undefined ||
    child.status !== EXITED ||
    message.incarnation !== record.incarnation
  ) {
    return state;
  }
  const reason = message.reason;
  const crashed = typeof reason === 'object';
  const decision = crashed ? child.lastDecision : 'restart';
  if (crashed && decision === 'escalate')
    return escalate(state, child.lastError, supervisor, kernel, ctx);
  // A failed start is retried whatever its reason (a child supervisor's is `shutdown`), as OTP
  // retries it; a temporary child is never restarted.
  const restart = message.failedStart
    ? record.spec.restart !== 'temporary'
    : shouldRestart(record.spec, reason);
  if ((crashed && decision === 'stop') || !restart) {
    retireRecord(state, record, reason, kernel);
    return state;
  }
  if (!recordRestart(state.window, kernel.clock.now())) {
    const error = new RestartIntensityExceededError(
      state.id,
      state.options.intensity,
      state.options.periodMs,
      child.lastError,
    );
    retireRecord(state, record, reason, kernel);
    // As in OTP, a supervisor that gives up exits `shutdown` (the cause is in the event): a
    // transient supervisor is then not restarted by its parent, a permanent one is.
    return escalate(state, error, supervisor, kernel, ctx, 'shutdown');
  }
  const delay =
    decision === 'backoff' || state.options.restartDelay === 'backoff'
      ? nextDelay(state, record, kernel)
      : 0;
  const strategy = state.options.strategy;
  const index = state.records.indexOf(record);
  const group =
    strategy === 'one_for_all'
      ? state.records.slice()
      : strategy === 'rest_for_one'
        ? state.records.slice(index)
        : [record];
  const others = group.filter((r) => r !== record && r.cell !== null && r.cell.status < EXITED);
  if (others.length === 0) return restartGroup(state, group, delay, supervisor, kernel, ctx);
  return stopForRestart(others, kernel).then(() =>
    restartGroup(state, group, delay, supervisor, kernel, ctx),
  );
}

function nextDelay(state: SupervisorState, record: ChildRecord, kernel: Kernel): number {
  const now = kernel.clock.now();
  const options = state.options.backoff;
  if (now - record.lastBackoffAt > options.resetAfterMs) record.attempts = 0;
  record.attempts++;
  record.lastBackoffAt = now;
  return backoffDelay(record.attempts, options, kernel.random);
}

function restartGroup(
  state: SupervisorState,
  group: readonly ChildRecord[],
  delay: number,
  supervisor: Cell,
  kernel: Kernel,
  ctx: AgentContext,
): SupervisorState | Promise<SupervisorState> {
  // Temporary siblings stopped for the group are not restarted: they go, as in OTP. Members
  // stopped before (by `terminateChild`, or a transient that exited normally) start again with
  // their group, as in OTP.
  const restarting: ChildRecord[] = [];
  for (const record of group) {
    if (record.cell !== null && record.cell.status < EXITED) continue;
    if (record.spec.restart === 'temporary') retireRecord(state, record, 'shutdown', kernel);
    else restarting.push(record);
  }
  // Exits of siblings stopped for this restart are expected: mark their incarnations as seen.
  for (const record of restarting) {
    if (record.cell !== null) record.incarnation = record.cell.incarnation;
  }
  if (delay <= 0) return restartInOrder(state, restarting, 0, 0, supervisor, kernel, ctx);
  const timer: { handle?: TimerHandle } = {};
  timer.handle = kernel.clock.setTimeout(() => {
    kernel.enqueue(supervisor, new RestartDue(restarting, delay, timer));
  }, delay);
  state.timers.add(timer.handle);
  return state;
}

/**
 * Restarts a group as the first start does: in order, each `init` awaited before the next. A
 * failed `init` stops the sequence; its exit, already in the supervisor's mailbox, is then handled
 * like any other (it counts toward the intensity, and the group is restarted again), which is
 * OTP's retry.
 */
function restartInOrder(
  state: SupervisorState,
  records: readonly ChildRecord[],
  from: number,
  delayMs: number,
  supervisor: Cell,
  kernel: Kernel,
  ctx: AgentContext,
): SupervisorState | Promise<SupervisorState> {
  for (let i = from; i < records.length; i++) {
    const record = records[i] as ChildRecord;
    if (!state.records.includes(record)) continue;
    let cell = record.cell;
    if (cell === null) {
      try {
        cell = spawnRecord(record, state, supervisor, kernel);
      } catch (error) {
        return escalate(state, error, supervisor, kernel, ctx);
      }
    } else if (cell.status === EXITED) {
      restartRecord(record, kernel, delayMs);
    } else {
      continue;
    }
    if (cell.status === STARTING) {
      const started = cell;
      return kernel.whenStarted(started).then(
        () => restartInOrder(state, records, i + 1, delayMs, supervisor, kernel, ctx),
        () => state,
      );
    }
    if (cell.status !== RUNNING) return state;
  }
  return state;
}

function escalate(
  state: SupervisorState,
  error: unknown,
  supervisor: Cell,
  kernel: Kernel,
  ctx: AgentContext,
  reason: ExitReason | null = null,
): SupervisorState {
  const info = toErrorInfo(error);
  kernel.emit({
    type: 'supervisor-escalated',
    at: kernel.clock.now(),
    supervisor: state.id,
    reason: info,
  });
  supervisor.lastError = error;
  // The parent's decider may choose to escalate further, or stop; resuming makes no sense here.
  let decision: Decision = 'restart';
  try {
    if (supervisor.decide !== null) decision = supervisor.decide(error, supervisor.id);
  } catch {
    decision = 'restart';
  }
  supervisor.lastDecision = decision === 'resume' ? 'restart' : decision;
  ctx.stop(reason ?? { error: info });
  return state;
}

export type { ChildRecord, SupervisorState } from './internal/child-records';
export { isSupervisorState } from './internal/child-records';
export type { SupervisorCommand } from './supervisor-commands';
