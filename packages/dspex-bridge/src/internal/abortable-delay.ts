import type { Clock } from '@varplane/core';

/**
 * Waits `ms` on the injected clock, or rejects with the signal's reason as soon as it fires. Zero
 * waits resolve without a timer, so a simulation with no latency needs no clock at all.
 */
export function abortableDelay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
