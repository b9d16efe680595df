import type { Clock, TimerHandle } from '@varplane/core';
import type { RaftError } from '../errors';

/** One caller waiting on the node, settled exactly once. */
export interface Waiter<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: RaftError) => void;
  /** True once settled; later calls to resolve or reject do nothing. */
  readonly settled: () => boolean;
}

/**
 * Makes a promise whose waiter settles once: on its own, on timeout (`onTimeout` picks the error)
 * or when `signal` aborts. The timer is cleared on settle, so no timer outlives its request.
 */
export function waitFor<T>(
  clock: Clock,
  timeoutMs: number,
  onTimeout: () => RaftError,
  signal: AbortSignal | undefined,
  onSettle: () => void,
): { promise: Promise<T>; waiter: Waiter<T> } {
  let done = false;
  let timer: TimerHandle | undefined;
  let resolveOuter!: (value: T) => void;
  let rejectOuter!: (error: RaftError) => void;
  const promise = new Promise<T>((resolve, reject) => {
    resolveOuter = resolve;
    rejectOuter = reject;
  });
  const abort = () => waiter.reject(onTimeout());
  const finish = () => {
    done = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
    onSettle();
  };
  const waiter: Waiter<T> = {
    resolve(value) {
      if (done) return;
      finish();
      resolveOuter(value);
    },
    reject(error) {
      if (done) return;
      finish();
      rejectOuter(error);
    },
    settled: () => done,
  };
  timer = clock.setTimeout(() => waiter.reject(onTimeout()), timeoutMs);
  if (signal !== undefined) {
    if (signal.aborted) queueMicrotask(abort);
    else signal.addEventListener('abort', abort, { once: true });
  }
  return { promise, waiter };
}
