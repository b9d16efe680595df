import type { Clock } from '@varplane/core';

/**
 * A call on its way through a mailbox: the message, and the promise to settle exactly once. An
 * instance of this class in a mailbox is what tells a call from a cast.
 */
export class CallEnvelope {
  readonly message: unknown;
  settled = false;
  /** The handler took the answer over with `deferReply`. */
  deferred = false;
  private resolveFn: (value: unknown) => void;
  private rejectFn: (error: unknown) => void;
  private timer: unknown = undefined;
  private clock: Clock | undefined = undefined;

  constructor(
    message: unknown,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ) {
    this.message = message;
    this.resolveFn = resolve;
    this.rejectFn = reject;
  }

  /** Rejects with `onTimeout()` unless settled within `ms` on `clock`. */
  arm(clock: Clock, ms: number, onTimeout: () => unknown): void {
    this.clock = clock;
    this.timer = clock.setTimeout(() => this.reject(onTimeout()), ms);
  }

  resolve(value: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.disarm();
    this.resolveFn(value);
    return true;
  }

  reject(error: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.disarm();
    this.rejectFn(error);
    return true;
  }

  private disarm(): void {
    if (this.clock !== undefined && this.timer !== undefined) {
      this.clock.clearTimeout(this.timer as Parameters<Clock['clearTimeout']>[0]);
    }
    this.timer = undefined;
  }
}
