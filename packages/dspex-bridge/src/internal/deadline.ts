import type { Clock } from '@varplane/core';
import { z } from 'zod';

/** The longest timer Node keeps: past it, `setTimeout` fires at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A deadline option: a positive whole number of ms a timer can hold. */
export const timeoutSchema = z.int().positive().max(MAX_TIMEOUT_MS);

export interface DeadlineOptions {
  readonly clock: Clock;
  readonly ms: number;
  /** The caller's signal: the work's signal follows it, and the wait ends when it fires. */
  readonly signal?: AbortSignal | undefined;
  /** The error the wait ends with when `ms` pass. */
  readonly timedOut: () => Error;
  /** The error the wait ends with when the caller's signal fires. */
  readonly aborted: (reason: unknown) => Error;
}

/**
 * Runs code that may be anyone's (a model, a program's `run`, a tool handler) so that it always
 * settles: with its own result, or with `timedOut()` after `ms`, or with `aborted()` when the
 * caller's signal fires. The work is handed a signal that fires in both cases, so code that
 * listens can stop; code that does not is left behind, its late result ignored.
 */
export function withDeadline<T>(
  options: DeadlineOptions,
  work: (signal: AbortSignal) => Promise<T> | T,
): Promise<T> {
  const { clock, ms, signal } = options;
  if (signal?.aborted) return Promise.reject(options.aborted(signal.reason));
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = () => {
      const error = options.aborted(signal?.reason);
      finish(() => reject(error));
      controller.abort(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      const error = options.timedOut();
      finish(() => reject(error));
      controller.abort(error);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    // Started at once (callers count on the work having begun); a synchronous throw, or a
    // thenable whose `then` throws, rejects like any other failure.
    let started: Promise<T> | T;
    try {
      started = work(controller.signal);
    } catch (error) {
      finish(() => reject(error));
      return;
    }
    Promise.resolve(started).then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}
