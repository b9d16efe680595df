import type { CallEnvelope } from './call-envelope';
import type { Cell } from './cell';

/**
 * The continuation of a cell's async `handle` steps within one incarnation. A cell handles one
 * message at a time, so one object per incarnation serves all its async steps: the callbacks
 * given to `then` are made once, not per message. A step that outlives its incarnation holds the
 * old object, whose incarnation no longer matches the cell's.
 */
export class HandleStep {
  readonly incarnation: number;
  /** The call being handled by the step in flight, if it came by `call`. */
  call: CallEnvelope | null = null;
  readonly onValue: (state: unknown) => void;
  readonly onError: (error: unknown) => void;

  constructor(
    readonly cell: Cell,
    settle: (step: HandleStep, ok: boolean, value: unknown) => void,
  ) {
    this.incarnation = cell.incarnation;
    this.onValue = (state) => settle(this, true, state);
    this.onError = (error) => settle(this, false, error ?? new Error('rejected without a reason'));
  }
}
