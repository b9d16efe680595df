import type { Clock } from '@varplane/core';

/** The largest delay a host timer honours; longer ones would fire at once. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** How a call to user code ended within its deadline. */
export type Settled<T> =
  | { readonly kind: 'value'; readonly value: T }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'timeout' };

/**
 * Calls user code and waits for it at most `ms` on `clock`. A synchronous throw, a rejection, a
 * thenable whose `then` throws and a promise that never settles all end here as a value, so the
 * caller never waits forever and nothing the code does later becomes an unhandled rejection.
 */
export function settleWithin<T>(
  clock: Clock,
  ms: number,
  call: () => T | PromiseLike<T>,
): Promise<Settled<Awaited<T>>> {
  return new Promise((resolve) => {
    let done = false;
    const timer = clock.setTimeout(() => {
      if (done) return;
      done = true;
      resolve({ kind: 'timeout' });
    }, ms);
    const end = (outcome: Settled<Awaited<T>>) => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      resolve(outcome);
    };
    Promise.resolve()
      .then(call)
      .then(
        (value) => end({ kind: 'value', value: value as Awaited<T> }),
        (error: unknown) => end({ kind: 'error', error }),
      );
  });
}
