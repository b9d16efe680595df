import type { Clock, TimerHandle } from '@varplane/core';
import type { RaftError } from '../errors';

/** One caller waiting on the node, settled exactly once. */
export class Waiter<T> {
  readonly promise: Promise<T>;
  done = false;
  private resolveOuter!: (value: T) => void;
  private rejectOuter!: (error: RaftError) => void;
  private abortListener: (() => void) | undefined;

  constructor(
    readonly deadline: number,
    private readonly onTimeout: () => RaftError,
    private readonly onSettle: (() => void) | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveOuter = resolve;
      this.rejectOuter = reject;
    });
    if (signal !== undefined) {
      this.abortListener = () => this.reject(this.onTimeout());
      if (signal.aborted) queueMicrotask(this.abortListener);
      else signal.addEventListener('abort', this.abortListener, { once: true });
    }
  }

  settled(): boolean {
    return this.done;
  }

  resolve(value: T): void {
    if (this.done) return;
    this.finish();
    this.resolveOuter(value);
  }

  reject(error: RaftError): void {
    if (this.done) return;
    this.finish();
    this.rejectOuter(error);
  }

  expire(): void {
    if (!this.done) this.reject(this.onTimeout());
  }

  private finish(): void {
    this.done = true;
    if (this.abortListener !== undefined) {
      this.signal?.removeEventListener('abort', this.abortListener);
    }
    this.onSettle?.();
  }
}

/**
 * Deadlines of every pending request, on one timer: a timer per request would cost more than the
 * request itself at high rates. Deadlines mostly arrive in order, so the list stays sorted by
 * appending; one timer is armed for the earliest.
 */
export class Deadlines {
  private waiters: Waiter<unknown>[] = [];
  private head = 0;
  private timer: TimerHandle | undefined;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  /** A new waiter that expires after `timeoutMs`. */
  add<T>(
    timeoutMs: number,
    onTimeout: () => RaftError,
    signal?: AbortSignal,
    onSettle?: () => void,
  ): Waiter<T> {
    const waiter = new Waiter<T>(this.clock.now() + timeoutMs, onTimeout, onSettle, signal);
    const list = this.waiters;
    let at = list.length;
    while (at > this.head && (list[at - 1] as Waiter<unknown>).deadline > waiter.deadline) at -= 1;
    if (at === list.length) list.push(waiter as Waiter<unknown>);
    else list.splice(at, 0, waiter as Waiter<unknown>);
    if (waiter.deadline < this.armedFor) this.arm(waiter.deadline);
    return waiter;
  }

  private arm(deadline: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.armedFor = deadline;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, deadline - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    const list = this.waiters;
    while (this.head < list.length) {
      const waiter = list[this.head] as Waiter<unknown>;
      if (!waiter.done && waiter.deadline > now) break;
      this.head += 1;
      waiter.expire();
    }
    if (this.head > 1024 && this.head * 2 > list.length) {
      this.waiters = list.slice(this.head);
      this.head = 0;
    }
    this.compactSettled();
    const next = this.waiters[this.head];
    if (next !== undefined) this.arm(next.deadline);
  }

  /** Drops settled waiters from the front, so a long run of fast requests does not pile up. */
  private compactSettled(): void {
    const list = this.waiters;
    while (this.head < list.length && (list[this.head] as Waiter<unknown>).done) this.head += 1;
  }

  /** Forgets settled waiters; called now and then so memory tracks what is pending. */
  sweep(): void {
    if (this.waiters.length - this.head < 4096) return;
    this.waiters = this.waiters.slice(this.head).filter((waiter) => !waiter.done);
    this.head = 0;
  }

  clear(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.waiters = [];
    this.head = 0;
  }
}
