import { toErrorInfo } from '@varplane/core/internal';
import type { AnyBehaviour } from '../behaviour';
import { AgentNotRunningError, CodeChangeError, StepTimeoutError } from '../errors';
import { type Cell, DEAD, EXITED } from './cell';
import { isThenable, type Kernel } from './kernel';

/**
 * Swaps a cell's behaviour between two messages. The swap waits for the message in hand (sync or
 * async) to finish, then the new behaviour's `codeChange` migrates the state before the next
 * message: none is lost, none handled twice, since the mailbox is never touched.
 */
export function hotSwap(
  kernel: Kernel,
  cell: Cell,
  behaviour: AnyBehaviour,
  timeoutMs: number,
): Promise<void> {
  if (cell.status === DEAD) return Promise.reject(new AgentNotRunningError(cell.id));
  if (cell.status === EXITED) {
    // Waiting for a restart: the new behaviour's init makes the next state.
    cell.behaviour = behaviour;
    swapped(kernel, cell);
    return Promise.resolve();
  }
  if (cell.swap !== null) {
    return Promise.reject(new CodeChangeError(cell.id, new Error('another hot swap is pending')));
  }
  return new Promise((resolve, reject) => {
    cell.swap = { behaviour, resolve, reject, timeoutMs };
    kernel.request(cell);
  });
}

/** Applies the pending swap; the cell is between messages. */
export function applySwap(kernel: Kernel, cell: Cell): void {
  const swap = cell.swap;
  if (swap === null) return;
  cell.swap = null;
  const next = swap.behaviour;
  const previous = cell.behaviour;
  const done = (state: unknown) => {
    cell.behaviour = next;
    cell.state = state;
    swapped(kernel, cell);
    swap.resolve();
  };
  if (next.codeChange === undefined) {
    done(cell.state);
    return;
  }
  const from =
    previous.version === undefined
      ? { name: previous.name }
      : { name: previous.name, version: previous.version };
  let result: unknown;
  try {
    result = next.codeChange(cell.state, from, cell.ctx);
  } catch (error) {
    swap.reject(new CodeChangeError(cell.id, error));
    return;
  }
  if (!isThenable(result)) {
    done(result);
    return;
  }
  // A codeChange that never settles would hold the agent for ever: past the deadline the swap
  // fails and the agent ends with the timeout as its crash, for its supervisor to restart.
  const disarm = kernel.deadline(cell, swap.timeoutMs, () => {
    const error = new StepTimeoutError(cell.id, 'codeChange', swap.timeoutMs);
    swap.reject(error);
    cell.errors++;
    cell.lastError = error;
    const info = toErrorInfo(error);
    kernel.emit({ type: 'agent-crashed', at: kernel.clock.now(), agent: cell.id, error: info });
    kernel.exits.exit(cell, { error: info });
  });
  kernel.track(
    cell,
    result,
    (state) => {
      disarm();
      done(state);
      kernel.afterStep(cell);
    },
    (error) => {
      disarm();
      swap.reject(new CodeChangeError(cell.id, error));
      kernel.afterStep(cell);
    },
    () => {
      disarm();
      swap.reject(new AgentNotRunningError(cell.id));
    },
  );
}

function swapped(kernel: Kernel, cell: Cell): void {
  if (cell.parent !== null) {
    const root = cell.root;
    if (root.swaps === null) root.swaps = new Map();
    root.swaps.set(cell.id, cell.behaviour);
  }
  kernel.emit({
    type: 'agent-swapped',
    at: kernel.clock.now(),
    agent: cell.id,
    behaviour: cell.behaviour.name,
  });
}
