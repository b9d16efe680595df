import type { Clock, TimerHandle } from '@varplane/core';

/** What the queue needs of an entry: intrusive links, so adding and removing allocate nothing. */
export interface Deadline {
  deadline: number;
  timeoutMs: number;
  prev: Deadline | null;
  next: Deadline | null;
  /** The bucket it is in; null when not queued. */
  bucket: Bucket | null;
  expire(): void;
}

/** The entries of one timeout length, oldest first: their deadlines never decrease. */
interface Bucket {
  head: Deadline | null;
  tail: Deadline | null;
}

/**
 * The deadlines of a system's calls, on one timer. A timer per call costs a heap insert and a
 * removal in the host (about half the cost of a local call); here a call joins the list of its
 * timeout length (deadlines within a list come in order) and leaves it in O(1) when answered, and
 * one clock timer waits for the earliest deadline. The timer is not cleared when the queue
 * empties (a call loop would arm and clear it every call): it fires, finds nothing due, and is
 * not armed again. While nothing is queued it does not keep the process alive.
 */
export class DeadlineQueue {
  private readonly buckets = new Map<number, Bucket>();
  private timer: TimerHandle | undefined = undefined;
  /** When the armed timer fires (clock ms). */
  private armedAt = Number.POSITIVE_INFINITY;
  private size = 0;

  constructor(private readonly clock: Clock) {}

  add(entry: Deadline, timeoutMs: number): void {
    const deadline = this.clock.now() + timeoutMs;
    entry.deadline = deadline;
    entry.timeoutMs = timeoutMs;
    let bucket = this.buckets.get(timeoutMs);
    if (bucket === undefined) {
      bucket = { head: null, tail: null };
      this.buckets.set(timeoutMs, bucket);
    }
    entry.bucket = bucket;
    entry.prev = bucket.tail;
    entry.next = null;
    if (bucket.tail === null) bucket.head = entry;
    else bucket.tail.next = entry;
    bucket.tail = entry;
    if (this.size++ === 0) this.hold(true);
    if (deadline < this.armedAt) this.arm(deadline);
  }

  remove(entry: Deadline): void {
    const bucket = entry.bucket;
    if (bucket === null) return;
    if (entry.prev === null) bucket.head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === null) bucket.tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = null;
    entry.next = null;
    entry.bucket = null;
    if (--this.size === 0) this.hold(false);
  }

  private arm(deadline: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.armedAt = deadline;
    this.timer = this.clock.setTimeout(this.fire, Math.max(0, deadline - this.clock.now()));
    if (this.size === 0) this.hold(false);
  }

  // A Node timer keeps the process alive only while calls wait on it; other clocks have no such
  // notion and are left alone.
  private hold(alive: boolean): void {
    const timer = this.timer as { ref?: () => void; unref?: () => void } | undefined;
    if (typeof timer !== 'object' || timer === null) return;
    if (alive) timer.ref?.();
    else timer.unref?.();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const bucket of this.buckets.values()) {
      let entry = bucket.head;
      while (entry !== null && entry.deadline <= now) {
        this.remove(entry);
        entry.expire();
        entry = bucket.head;
      }
      if (entry !== null && entry.deadline < next) next = entry.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY && next < this.armedAt) this.arm(next);
  };
}
