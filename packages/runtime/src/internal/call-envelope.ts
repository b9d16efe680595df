import { CallTimeoutError } from '../errors';
import type { Deadline, DeadlineQueue } from './deadline-queue';

/**
 * A call on its way through a mailbox: the message, and the promise to settle exactly once. An
 * instance of this class in a mailbox is what tells a call from a cast. Its deadline waits in the
 * system's {@link DeadlineQueue}.
 */
export class CallEnvelope implements Deadline {
  readonly message: unknown;
  settled = false;
  /** The handler took the answer over with `deferReply`. */
  deferred = false;
  deadline = 0;
  timeoutMs = 0;
  prev: Deadline | null = null;
  next: Deadline | null = null;
  bucket: Deadline['bucket'] = null;
  private resolveFn: (value: unknown) => void;
  private rejectFn: (error: unknown) => void;
  private deadlines: DeadlineQueue | null = null;

  constructor(
    /** The id of the agent called, for the timeout's error. */
    readonly target: string,
    message: unknown,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
    /**
     * A tracked cast (`deliver`): the agent handles it as a send (no `ctx.reply`, `isCall` false)
     * and it settles with `undefined` once `handle` has returned.
     */
    readonly cast = false,
  ) {
    this.message = message;
    this.resolveFn = resolve;
    this.rejectFn = reject;
  }

  /**
   * True for an envelope; false (never a throw) for anything else, a Proxy whose
   * `getPrototypeOf` throws included. (A `#brand in value` check runs no trap but measured about
   * twice the cost of `instanceof` on the dispatch path.)
   */
  static is(value: unknown): value is CallEnvelope {
    if (typeof value !== 'object' || value === null) return false;
    try {
      return value instanceof CallEnvelope;
    } catch {
      return false;
    }
  }

  /** Rejects with a `CallTimeoutError` unless settled within `ms`. */
  arm(deadlines: DeadlineQueue, ms: number): void {
    this.deadlines = deadlines;
    deadlines.add(this, ms);
  }

  expire(): void {
    this.reject(new CallTimeoutError(this.target, this.timeoutMs));
  }

  resolve(value: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.deadlines?.remove(this);
    this.resolveFn(value);
    return true;
  }

  reject(error: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.deadlines?.remove(this);
    this.rejectFn(error);
    return true;
  }
}
