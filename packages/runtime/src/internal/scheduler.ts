import { performance } from 'node:perf_hooks';
import type { Cell } from './cell';
import { RingQueue } from './ring-queue';

/** How many turns pass between two reads of the clock: reading it costs about as much as a hop. */
const TURNS_PER_CLOCK_READ = 8;

/**
 * The run queue: cells with mail wait here for a turn. One microtask starts a run, and the run
 * gives turns until the queue is empty, so a hop from one agent to another costs a queue push and
 * a shift, not a microtask.
 *
 * The host gets a turn (timers, sockets) at least every `sliceLimit` messages or `sliceMs`
 * milliseconds, counted across runs: a team whose async handlers settle at once starts a new run
 * from a microtask after every message, and a budget per run would never run out. The budget is
 * reset only when a macrotask armed at the start of the slice has actually run, which proves the
 * host had its turn; once it is spent, the next run waits for `setImmediate`.
 *
 * Fairness lives in `turn` (deficit round robin, see the kernel): a turn handles at most
 * `quantum * weight` messages, then the cell goes to the back of the queue.
 */
export class Scheduler {
  private readonly queue = new RingQueue<Cell>(1024);
  private scheduled = false;
  private running = false;
  private idleWaiters: Array<() => void> = [];
  /** Messages handled since the host last had a turn. */
  private spent = 0;
  private turns = 0;
  /** When the current slice began (`performance.now()`). */
  private sliceStart = 0;
  /** A macrotask is armed to mark the end of the current slice. */
  private armed = false;
  /** The slice's budget is spent: runs wait for the host until it has had its turn. */
  private overdue = false;

  constructor(
    private readonly turn: (cell: Cell) => number,
    private readonly sliceLimit: number,
    private readonly sliceMs: number,
    private readonly isQuiet: () => boolean,
  ) {}

  /** Puts a cell with mail in the queue; the caller has checked it is runnable and not queued. */
  enqueue(cell: Cell): void {
    cell.queued = true;
    if (cell.urgent) this.queue.unshift(cell);
    else this.queue.push(cell);
    if (!this.scheduled && !this.running) {
      this.scheduled = true;
      if (this.overdue) setImmediate(this.run);
      else queueMicrotask(this.run);
    }
  }

  /** Back of the queue, after a turn that left mail (the cell stays `queued`). */
  requeue(cell: Cell): void {
    this.queue.push(cell);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Resolves when no cell is runnable and no async step is in flight. */
  whenIdle(): Promise<void> {
    if (this.queue.length === 0 && !this.scheduled && this.isQuiet()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Called when an async step settles: the team may just have gone quiet. */
  checkIdle(): void {
    if (
      this.idleWaiters.length === 0 ||
      this.queue.length > 0 ||
      this.scheduled ||
      !this.isQuiet()
    ) {
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * From the top of a microtask (a settled async step): until `release`, cells enqueued do not
   * schedule a run, and `release` runs the queue right there rather than in one more microtask.
   * False when a run is in progress (then there is nothing to release).
   */
  hold(): boolean {
    if (this.running) return false;
    this.running = true;
    return true;
  }

  release(): void {
    this.running = false;
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    if (this.overdue) setImmediate(this.run);
    else this.run();
  }

  // Runs in a macrotask queued when the slice began: the host has had a turn since then.
  private readonly hostTurn = (): void => {
    this.armed = false;
    this.overdue = false;
    this.spent = 0;
    this.turns = 0;
  };

  private spentBudget(): boolean {
    if (this.spent >= this.sliceLimit) return true;
    if (++this.turns % TURNS_PER_CLOCK_READ !== 0) return false;
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    this.running = true;
    if (!this.armed) {
      this.armed = true;
      this.sliceStart = performance.now();
      setImmediate(this.hostTurn);
    }
    try {
      while (this.queue.length > 0) {
        this.spent += this.turn(this.queue.shift() as Cell);
        if (!this.overdue && this.spentBudget()) this.overdue = true;
        if (this.overdue && this.queue.length > 0) {
          this.scheduled = true;
          setImmediate(this.run);
          return;
        }
      }
    } finally {
      this.running = false;
    }
    this.checkIdle();
  };
}
