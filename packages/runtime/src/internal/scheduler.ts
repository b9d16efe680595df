import type { Cell } from './cell';
import { RingQueue } from './ring-queue';

/**
 * The run queue: cells with mail wait here for a turn. One microtask starts a run, and the run
 * gives turns until the queue is empty, so a hop from one agent to another costs a queue push and
 * a shift, not a microtask. After `sliceLimit` messages the run yields to the host with
 * `setImmediate`, so timers and I/O are never starved by a busy team.
 *
 * Fairness lives in `turn` (deficit round robin, see the kernel): a turn handles at most
 * `quantum * weight` messages, then the cell goes to the back of the queue.
 */
export class Scheduler {
  private readonly queue = new RingQueue<Cell>(1024);
  private scheduled = false;
  private running = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly turn: (cell: Cell) => number,
    private readonly sliceLimit: number,
    private readonly isQuiet: () => boolean,
  ) {}

  /** Puts a cell with mail in the queue; the caller has checked it is runnable and not queued. */
  enqueue(cell: Cell): void {
    cell.queued = true;
    if (cell.urgent) this.queue.unshift(cell);
    else this.queue.push(cell);
    if (!this.scheduled && !this.running) {
      this.scheduled = true;
      queueMicrotask(this.run);
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

  private readonly run = (): void => {
    this.scheduled = false;
    this.running = true;
    let budget = this.sliceLimit;
    try {
      while (this.queue.length > 0) {
        budget -= this.turn(this.queue.shift() as Cell);
        if (budget <= 0 && this.queue.length > 0) {
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
