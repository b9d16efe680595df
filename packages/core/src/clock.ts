import { describeValue, InvalidArgumentError, VarplaneError } from './errors';
import { guardInput, reasonOf } from './internal/guard';

/** A handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly id: number } | ReturnType<typeof setTimeout>;

/**
 * Time, injected. Production code uses {@link systemClock}; tests use {@link createManualClock} and
 * move time by hand, so timeouts and backoff are exact and no test sleeps.
 */
export interface Clock {
  /** Milliseconds since the epoch (or since the manual clock's start). */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

function checkTimer(subject: string, callback: unknown, ms: unknown): void {
  if (typeof callback !== 'function') {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${subject}: callback must be a function (got ${describeValue(callback)})`,
      issues: [{ path: 'callback', message: 'must be a function', value: callback }],
    });
  }
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${subject}: ms must be a number of milliseconds (got ${describeValue(ms)})`,
      issues: [{ path: 'ms', message: 'must be a number', value: ms }],
    });
  }
}

// Node prints a warning on stderr; a host without `process` logs the error instead.
const warn = (error: Error): void => {
  if (typeof process !== 'undefined' && typeof process.emitWarning === 'function')
    process.emitWarning(error);
  else console.error(error);
};

/**
 * The real clock: `Date.now` and the host's timers. A callback that throws is reported as a
 * warning (a `CLOCK_CALLBACK_FAILED` error), not left to kill the process.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    checkTimer('systemClock.setTimeout', callback, ms);
    return setTimeout(() => {
      try {
        callback();
      } catch (error) {
        // A timer's callback has no caller left to throw to: a throw would kill the process.
        warn(
          new VarplaneError({
            code: 'CLOCK_CALLBACK_FAILED',
            message: `systemClock: a timer callback threw: ${reasonOf(error)}`,
            cause: error,
          }),
        );
      }
    }, ms);
  },
  clearTimeout: (handle) =>
    guardInput('systemClock.clearTimeout', 'handle', handle, () =>
      clearTimeout(handle as ReturnType<typeof setTimeout>),
    ),
};

/** A clock that moves only when told to. */
export interface ManualClock extends Clock {
  /** Moves time forward, firing due timers in order of their due time, then of scheduling. */
  advance(ms: number): void;
  /** Moves time to the next due timer and fires it; false when none is pending. */
  runNext(): boolean;
  /** Timers scheduled and not yet fired or cleared. */
  pending(): number;
}

interface ManualTimer {
  id: number;
  due: number;
  callback: () => void;
}

/**
 * A manual clock for tests and simulations.
 *
 * @example
 * const clock = createManualClock();
 * clock.setTimeout(() => console.log('fired'), 100);
 * clock.advance(100); // prints "fired"
 */
export function createManualClock(start = 0): ManualClock {
  if (typeof start !== 'number' || !Number.isFinite(start)) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `createManualClock: start must be a finite number of milliseconds (got ${describeValue(start)})`,
      issues: [{ path: 'start', message: 'must be a finite number', value: start }],
    });
  }
  let now = start;
  let nextId = 1;
  // By id, in scheduling order: clearing one of many pending timers is O(1).
  const timers = new Map<number, ManualTimer>();

  const dueFirst = (): ManualTimer | undefined => {
    let first: ManualTimer | undefined;
    for (const timer of timers.values()) {
      if (
        first === undefined ||
        timer.due < first.due ||
        (timer.due === first.due && timer.id < first.id)
      ) {
        first = timer;
      }
    }
    return first;
  };
  const fire = (timer: ManualTimer) => {
    timers.delete(timer.id);
    now = Math.max(now, timer.due);
    timer.callback();
  };

  return {
    now: () => now,
    setTimeout(callback, ms) {
      checkTimer('ManualClock.setTimeout', callback, ms);
      const timer = { id: nextId++, due: now + Math.max(0, ms), callback };
      timers.set(timer.id, timer);
      return { id: timer.id };
    },
    clearTimeout(handle) {
      if (typeof handle !== 'object' || handle === null) return;
      const id = guardInput(
        'ManualClock.clearTimeout',
        'handle',
        handle,
        () => (handle as { id?: number }).id,
      );
      if (typeof id === 'number') timers.delete(id);
    },
    advance(ms) {
      if (typeof ms !== 'number' || !(ms >= 0)) {
        throw new InvalidArgumentError({
          code: 'INVALID_ARGUMENT',
          message: `ManualClock.advance: ms must be a non-negative number (got ${describeValue(ms)})`,
          issues: [{ path: 'ms', message: 'must be a non-negative number', value: ms }],
        });
      }
      const target = now + ms;
      for (let timer = dueFirst(); timer !== undefined && timer.due <= target; timer = dueFirst()) {
        fire(timer);
      }
      now = target;
    },
    runNext() {
      const timer = dueFirst();
      if (timer === undefined) return false;
      fire(timer);
      return true;
    },
    pending: () => timers.size,
  };
}
