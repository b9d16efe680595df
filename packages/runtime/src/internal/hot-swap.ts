import type { AnyBehaviour } from '../behaviour';
import { AgentNotRunningError, CodeChangeError } from '../errors';
import { type Cell, DEAD, EXITED } from './cell';
import { isThenable, type Kernel } from './kernel';

/**
 * Swaps a cell's behaviour between two messages. The swap waits for the message in hand (sync or
 * async) to finish, then the new behaviour's `codeChange` migrates the state before the next
 * message: none is lost, none handled twice, since the mailbox is never touched.
 */
export function hotSwap(kernel: Kernel, cell: Cell, behaviour: AnyBehaviour): Promise<void> {
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
    cell.swap = { behaviour, resolve, reject };
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
  kernel.track(
    cell,
    result,
    (state) => {
      done(state);
      kernel.afterStep(cell);
    },
    (error) => {
      swap.reject(new CodeChangeError(cell.id, error));
      kernel.afterStep(cell);
    },
    () => swap.reject(new AgentNotRunningError(cell.id)),
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
