import type { ExitReason, TimerHandle } from '@varplane/core';
import {
  type NormalizedChildSpec,
  type NormalizedSupervisorOptions,
  SUPERVISOR,
} from '../child-spec';
import { defaultDecider } from '../restart-decisions';
import type { RestartWindow } from '../restart-intensity';
import { type Cell, EXITED } from './cell';
import type { Kernel } from './kernel';
import { toCellOptions } from './spawn-options';

/**
 * A supervisor's books: one record per child, and the moves every strategy is made of (spawn,
 * stop in reverse, restart in place, retire).
 */

/** One child as the supervisor keeps it. */
export interface ChildRecord {
  spec: NormalizedChildSpec;
  /** The running (or restarting) cell; null once stopped for good. */
  cell: Cell | null;
  /** The incarnation of `cell` this supervisor started; older exits are stale. */
  incarnation: number;
  /** Restarts so far, kept when the cell is gone. */
  restarts: number;
  /** Consecutive backed-off restarts, and when the last one was. */
  attempts: number;
  lastBackoffAt: number;
}

/** A supervisor's state. Snapshots read it; nothing outside this module changes it. */
export interface SupervisorState {
  readonly [SUPERVISOR]: true;
  readonly id: string;
  readonly options: NormalizedSupervisorOptions;
  readonly records: ChildRecord[];
  readonly window: RestartWindow;
  readonly timers: Set<TimerHandle>;
  seq: number;
}

export function isSupervisorState(state: unknown): state is SupervisorState {
  return (
    typeof state === 'object' &&
    state !== null &&
    (state as Record<symbol, unknown>)[SUPERVISOR] === true
  );
}

export function newRecord(spec: NormalizedChildSpec): ChildRecord {
  return {
    spec,
    cell: null,
    incarnation: 0,
    restarts: 0,
    attempts: 0,
    lastBackoffAt: Number.NEGATIVE_INFINITY,
  };
}

export function spawnRecord(
  record: ChildRecord,
  state: SupervisorState,
  supervisor: Cell,
  kernel: Kernel,
): Cell {
  const decide = record.spec.decide ?? state.options.decide ?? defaultDecider;
  // A child hot-swapped since its spec was written starts with the behaviour it was swapped to.
  const behaviour = supervisor.root.swaps?.get(record.spec.id) ?? record.spec.behaviour;
  const cell = kernel.spawn(behaviour, record.spec.args, {
    ...toCellOptions(record.spec.options),
    id: record.spec.id,
    parent: supervisor,
    decide,
    initTimeoutMs: record.spec.startTimeout,
  });
  if (typeof record.spec.shutdown === 'number') cell.terminateMs = record.spec.shutdown;
  record.cell = cell;
  record.incarnation = 0;
  return cell;
}

/**
 * Reverse-ordered shutdown, each child within its own timeout; then they are gone for good.
 * `together`: all at once, as OTP stops a `simple_one_for_one` supervisor's children.
 */
export async function stopAll(
  records: readonly ChildRecord[],
  kernel: Kernel,
  together = false,
): Promise<void> {
  if (together) {
    const stopping = records.filter((record) => record.cell !== null);
    await Promise.all(
      stopping.map((record) =>
        kernel.shutdown(record.cell as Cell, 'shutdown', record.spec.shutdown),
      ),
    );
    for (const record of stopping) {
      const cell = record.cell as Cell;
      record.restarts = cell.restarts;
      kernel.exits.retire(cell, 'shutdown');
      record.cell = null;
    }
    return;
  }
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i] as ChildRecord;
    const cell = record.cell;
    if (cell === null) continue;
    await kernel.shutdown(cell, 'shutdown', record.spec.shutdown);
    record.restarts = cell.restarts;
    kernel.exits.retire(cell, 'shutdown');
    record.cell = null;
  }
}

/** Stops children for a restart: reverse order, their cells kept for `restartRecord`. */
export async function stopForRestart(
  records: readonly ChildRecord[],
  kernel: Kernel,
): Promise<void> {
  for (let i = records.length - 1; i >= 0; i--) {
    const cell = (records[i] as ChildRecord).cell;
    if (cell !== null && cell.status < EXITED) {
      await kernel.shutdown(cell, 'shutdown', (records[i] as ChildRecord).spec.shutdown);
    }
  }
}

/** A child added or deleted by command: a swap of an earlier child with its id no longer applies. */
export function forgetSwap(supervisor: Cell, id: string): void {
  supervisor.root.swaps?.delete(id);
}

export function restartRecord(record: ChildRecord, kernel: Kernel, delayMs: number): void {
  const cell = record.cell;
  if (cell === null || cell.status !== EXITED) return;
  // Set first: an init that fails at once exits this very incarnation.
  record.incarnation = cell.incarnation;
  kernel.restart(cell, delayMs);
  record.restarts = cell.restarts;
}

export function retireRecord(
  state: SupervisorState,
  record: ChildRecord,
  reason: ExitReason,
  kernel: Kernel,
): void {
  const cell = record.cell;
  if (cell !== null) {
    record.restarts = cell.restarts;
    kernel.exits.retire(cell, reason);
  }
  record.cell = null;
  if (record.spec.restart === 'temporary' || state.options.strategy === 'simple_one_for_one') {
    state.records.splice(state.records.indexOf(record), 1);
  }
}
