import type { AgentRef, Clock, ExitReason } from '@varplane/core';
import { toErrorInfo } from '@varplane/core/internal';
import type { ExitMessage } from '../behaviour';
import { AgentCrashedError, AgentNotFoundError, AgentNotRunningError } from '../errors';
import { CallEnvelope } from './call-envelope';
import { type Cell, Cell as CellClass, DEAD, EXITED, RUNNING, STARTING, STOPPING } from './cell';
import { isThenable, type Kernel } from './kernel';

/** A supervised cell's exit, as its supervisor receives it. */
export class ChildExit {
  constructor(
    readonly child: Cell,
    readonly incarnation: number,
    readonly reason: ExitReason,
    /** It ended before its `init` returned: a failed start, which OTP retries whatever the reason. */
    readonly failedStart: boolean,
  ) {}
}

/** Errors that end a starting cell with `shutdown` rather than an error reason. */
const shutdownErrors = new WeakSet<object>();

/**
 * Marks `error` so that, thrown from an `init`, it ends the cell with reason `shutdown`: a
 * supervisor whose children fail to start exits so, as OTP's `{shutdown, _}`.
 */
export function exitsWithShutdown<E extends object>(error: E): E {
  shutdownErrors.add(error);
  return error;
}

export function isShutdownError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && shutdownErrors.has(error);
}

/**
 * How cells end (a graceful stop with its timeout, a kill, a crash), and who hears of it: links (which take non-trapping partners down with them),
 * monitors (told once), children (gone with their parent), and the supervisor, which decides
 * whether the cell restarts or is retired for good.
 */
export class Exits {
  private readonly queue: Array<Cell | ExitReason> = [];
  private draining = false;
  private monitorSeq = 0;
  private readonly monitorTargets = new Map<number, Cell>();

  constructor(private readonly kernel: Kernel) {}

  /** See {@link Kernel.shutdown}. */
  shutdown(cell: Cell, reason: ExitReason, timeout: number | 'brutal' | 'infinity'): Promise<void> {
    if (cell.status >= EXITED) return Promise.resolve();
    const exited = new Promise<void>((resolve) => {
      if (cell.exitWaiters === null) cell.exitWaiters = [resolve];
      else cell.exitWaiters.push(resolve);
    });
    if (timeout === 'brutal') {
      this.exit(cell, 'killed');
      return exited;
    }
    // Whoever began the stop (the agent itself, another stop with a longer timeout), this one
    // bounds how long the caller waits.
    if (typeof timeout === 'number') this.armDeadline(cell, timeout);
    if (cell.stopReason === null && cell.status !== STOPPING) {
      cell.stopReason = reason;
      // Between messages it terminates now; otherwise after the message in hand.
      this.kernel.request(cell);
    }
    return exited;
  }

  /** Kills the cell `ms` from now unless it has exited, or an earlier deadline is set. */
  private armDeadline(cell: Cell, ms: number): void {
    const clock = this.kernel.clock;
    const due = clock.now() + ms;
    if (cell.stopTimer !== undefined) {
      if (cell.stopDue <= due) return;
      clock.clearTimeout(cell.stopTimer as Parameters<Clock['clearTimeout']>[0]);
    }
    cell.stopDue = due;
    cell.stopTimer = clock.setTimeout(() => this.exit(cell, 'killed'), ms);
  }

  /**
   * A crash in `handle`: as a gen_server does, `terminate` runs with the error reason and the last
   * state before the exit, within the cell's `terminateMs`.
   */
  crash(cell: Cell, reason: ExitReason): void {
    if (cell.behaviour.terminate === undefined || cell.status !== RUNNING) {
      this.exit(cell, reason);
      return;
    }
    cell.stopReason = reason;
    this.armDeadline(cell, cell.terminateMs);
    this.terminate(cell);
  }

  /** Runs `terminate` (sync or async), then exits with the stop reason, whatever it threw. */
  terminate(cell: Cell): void {
    const reason = cell.stopReason ?? 'shutdown';
    cell.status = STOPPING;
    const behaviour = cell.behaviour;
    if (behaviour.terminate === undefined) {
      this.exit(cell, reason);
      return;
    }
    let result: unknown;
    try {
      result = behaviour.terminate(reason, cell.state, cell.ctx);
    } catch (error) {
      this.terminateFailed(cell, error);
      this.exit(cell, reason);
      return;
    }
    if (!isThenable(result)) {
      this.exit(cell, reason);
      return;
    }
    this.kernel.track(
      cell,
      result,
      () => this.exit(cell, reason),
      (error) => {
        this.terminateFailed(cell, error);
        this.exit(cell, reason);
      },
    );
  }

  private terminateFailed(cell: Cell, error: unknown): void {
    cell.errors++;
    const at = this.kernel.clock.now();
    this.kernel.emit({ type: 'agent-crashed', at, agent: cell.id, error: toErrorInfo(error) });
  }

  /**
   * Ends the cell's current incarnation. Exits cascade through links, so they run from a work list
   * rather than by recursion: a long chain of links cannot overflow the stack.
   */
  exit(cell: Cell, reason: ExitReason): void {
    this.queue.push(cell, reason);
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const next = this.queue.shift() as Cell;
        this.exitNow(next, this.queue.shift() as ExitReason);
      }
    } finally {
      this.draining = false;
    }
  }

  private exitNow(cell: Cell, reason: ExitReason): void {
    if (cell.status >= EXITED) return;
    const failedStart = cell.status === STARTING;
    cell.status = EXITED;
    cell.exitReason = reason;
    cell.incarnation++;
    this.kernel.abandonStep(cell);
    cell.pending = false;
    cell.deficit = 0;
    const call = cell.current;
    if (call !== null) {
      cell.current = null;
      if (!call.deferred) {
        call.reject(
          typeof reason === 'object'
            ? new AgentCrashedError(cell.id, cell.lastError)
            : new AgentNotRunningError(cell.id, {
                message: `agent ${cell.id} stopped (${reason}) during the call`,
              }),
        );
      }
    }
    cell.state = undefined;
    cell.stopReason = null;
    if (cell.stopTimer !== undefined) {
      this.kernel.clock.clearTimeout(cell.stopTimer as Parameters<Clock['clearTimeout']>[0]);
      cell.stopTimer = undefined;
    }
    if (cell.swap !== null) {
      cell.swap.reject(new AgentNotRunningError(cell.id));
      cell.swap = null;
    }
    const startWaiters = cell.startWaiters;
    if (startWaiters !== null) {
      cell.startWaiters = null;
      const error = cell.lastError ?? new AgentNotRunningError(cell.id);
      for (const reject of startWaiters) reject(error);
    }
    this.signal(cell, reason);
    const waiters = cell.exitWaiters;
    if (waiters !== null) {
      cell.exitWaiters = null;
      for (const resolve of waiters) resolve();
    }
    const parent = cell.parent;
    if (parent !== null && parent.status < EXITED) {
      this.kernel.enqueue(parent, new ChildExit(cell, cell.incarnation - 1, reason, failedStart));
    } else {
      this.retire(cell, reason);
    }
  }

  // Links, monitors and children learn of the exit.
  private signal(cell: Cell, reason: ExitReason): void {
    const links = cell.links;
    if (links !== null) {
      cell.links = null;
      for (const other of links) {
        removeItem(other.links, cell);
        if (other.status >= EXITED) continue;
        if (other.trapExits) this.kernel.enqueue(other, exitMessage(cell.ref, reason, 'link'));
        else if (reason !== 'normal') {
          // It ends of its partner's error: that is the cause its caller and supervisor see.
          if (typeof reason === 'object') other.lastError = cell.lastError;
          this.exit(other, reason);
        }
      }
    }
    const monitors = cell.monitors;
    if (monitors !== null) {
      cell.monitors = null;
      for (const monitor of monitors) {
        this.monitorTargets.delete(monitor.id);
        removeItem(monitor.watcher.watching, monitor.id);
        if (monitor.watcher.status < EXITED) {
          this.kernel.enqueue(
            monitor.watcher,
            exitMessage(cell.ref, reason, 'monitor', monitor.id),
          );
        }
      }
    }
    const watching = cell.watching;
    if (watching !== null) {
      cell.watching = null;
      for (const id of watching) this.demonitor(id);
    }
    // Children still there when their parent goes (a supervisor killed, or crashed, without its
    // terminate): as children trapping exits in OTP do, each runs `terminate` with the parent's
    // reason, all at once, each within its own shutdown timeout. Their exits retire them.
    const children = cell.children;
    if (children !== null) {
      const why = reason === 'normal' ? 'shutdown' : reason;
      for (const child of children.slice()) {
        if (child.status < EXITED) void this.shutdown(child, why, child.terminateMs);
        else this.retire(child, why);
      }
    }
  }

  /** The cell is gone for good: free its id, names and resources; refuse its mail. */
  retire(cell: Cell, reason: ExitReason): void {
    if (cell.status === DEAD) return;
    if (cell.status < EXITED) {
      // Still alive: detached from its supervisor, its exit retires it.
      this.detach(cell);
      this.exit(cell, reason);
      return;
    }
    const kernel = this.kernel;
    cell.status = DEAD;
    const startWaiters = cell.startWaiters;
    if (startWaiters !== null) {
      cell.startWaiters = null;
      const error = new AgentNotRunningError(cell.id, {
        message: `agent ${cell.id} stopped for good`,
      });
      for (const reject of startWaiters) reject(error);
    }
    if (kernel.cells.remove(cell)) kernel.registry.forget(cell.id);
    this.detach(cell);
    if (cell.reserved) {
      cell.reserved = false;
      kernel.ledger.release(cell.id);
    }
    for (const message of cell.drain()) {
      if (CallEnvelope.is(message)) message.reject(new AgentNotRunningError(cell.id));
      else kernel.deadLetters++;
    }
    cell.mail = null;
    // An exited cell reports how it actually ended, not why it was then given up.
    kernel.emit({
      type: 'agent-stopped',
      at: kernel.clock.now(),
      agent: cell.id,
      reason: cell.exitReason,
    });
  }

  /** Takes a cell from its supervisor: its next exit retires it. */
  detach(cell: Cell): void {
    const parent = cell.parent;
    if (parent === null) return;
    removeItem(parent.children, cell);
    cell.parent = null;
  }

  /**
   * Links two cells. Linking to an agent that is gone throws `AGENT_NOT_FOUND` (OTP's `noproc`
   * error) unless `a` traps exits: then it gets an exit with reason `noproc`, as in OTP.
   */
  link(a: Cell, b: Cell | AgentRef): void {
    if (!(b instanceof CellClass) || b.status === DEAD) {
      const ref = b instanceof CellClass ? b.ref : b;
      if (!a.trapExits) throw new AgentNotFoundError(ref.id);
      this.kernel.enqueue(a, exitMessage(ref, 'noproc', 'link'));
      return;
    }
    if (a === b) return;
    if (a.links === null) a.links = [b];
    else if (!a.links.includes(b)) a.links.push(b);
    if (b.links === null) b.links = [a];
    else if (!b.links.includes(a)) b.links.push(a);
  }

  unlink(a: Cell, b: Cell): void {
    removeItem(a.links, b);
    removeItem(b.links, a);
  }

  /**
   * Watches `target`. An agent that is gone (or never was) is reported at once as an exit with
   * reason `noproc`, as OTP does, so a monitor set in a race with the exit is never lost.
   */
  monitor(watcher: Cell, target: Cell | AgentRef): number {
    const id = ++this.monitorSeq;
    if (!(target instanceof CellClass) || target.status === DEAD) {
      const ref = target instanceof CellClass ? target.ref : target;
      this.kernel.enqueue(watcher, exitMessage(ref, 'noproc', 'monitor', id));
      return id;
    }
    const entry = { id, watcher };
    if (target.monitors === null) target.monitors = [entry];
    else target.monitors.push(entry);
    if (watcher.watching === null) watcher.watching = [id];
    else watcher.watching.push(id);
    this.monitorTargets.set(id, target);
    return id;
  }

  /** Moves the monitors watching `from` to `to` (an agent that moved): watchers keep watching. */
  transferMonitors(from: Cell, to: Cell): void {
    const monitors = from.monitors;
    if (monitors === null) return;
    from.monitors = null;
    for (const monitor of monitors) {
      this.monitorTargets.set(monitor.id, to);
      if (to.monitors === null) to.monitors = [monitor];
      else to.monitors.push(monitor);
    }
  }

  /** The agent that monitor `id` watches, while it is set. */
  targetOf(id: number): Cell | undefined {
    return this.monitorTargets.get(id);
  }

  demonitor(id: number): void {
    const target = this.monitorTargets.get(id);
    if (target === undefined) return;
    this.monitorTargets.delete(id);
    const monitors = target.monitors;
    if (monitors === null) return;
    const index = monitors.findIndex((monitor) => monitor.id === id);
    if (index < 0) return;
    const [monitor] = monitors.splice(index, 1);
    if (monitor !== undefined) removeItem(monitor.watcher.watching, id);
  }
}

function removeItem<T>(list: T[] | null, item: T): void {
  if (list === null) return;
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}

function exitMessage(
  from: AgentRef,
  reason: ExitReason,
  via: 'link' | 'monitor',
  monitor?: number,
): ExitMessage {
  return monitor === undefined
    ? { type: 'agent-exited', from, reason, via }
    : { type: 'agent-exited', from, reason, via, monitor };
}
