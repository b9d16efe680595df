import type { AgentRef } from '@varplane/core';
import { type ActorSystem, kernelOf } from './actor-system';
import type { ChildSpec, SupervisorOptions } from './child-spec';
import { AgentNotRunningError } from './errors';
import { type SupervisionNode, snapshotCell } from './supervision-tree';
import { createSupervisor } from './supervisor';

/** A running supervisor, driven by calls so it works the same wherever the supervisor runs. */
export interface SupervisorHandle {
  readonly ref: AgentRef;
  /** Adds and starts a child (for `simple_one_for_one`: from the template, with these args). */
  startChild(spec: ChildSpec): Promise<AgentRef>;
  startChild(args: unknown, options?: { id?: string }): Promise<AgentRef>;
  /** Stops a child for good (reverse of start), within its shutdown timeout. */
  terminateChild(id: string): Promise<void>;
  /** Starts a stopped child again from its spec. */
  restartChild(id: string): Promise<AgentRef>;
  /** Forgets a stopped child's spec. */
  deleteChild(id: string): Promise<void>;
  /** The tree under this supervisor: ids, behaviours, statuses, restart counts. */
  snapshot(): SupervisionNode;
  /** Stops the children in reverse order, then the supervisor. */
  stop(): Promise<void>;
}

const CALL_TIMEOUT_MS = 60_000;

/**
 * Starts a supervisor and its children (in order). Rejects with `CHILD_START_FAILED`, its cause
 * the child's error, when a child cannot start.
 *
 * @example
 * const sup = await startSupervisor(system, {
 *   strategy: 'one_for_one',
 *   intensity: 5,
 *   periodMs: 10_000,
 *   children: [{ id: 'planner', behaviour: planner }, { id: 'coder', behaviour: coder }],
 * });
 */
export async function startSupervisor(
  system: ActorSystem,
  options: SupervisorOptions,
): Promise<SupervisorHandle> {
  const kernel = kernelOf(system);
  const behaviour = createSupervisor(options);
  const ref = system.spawn(
    behaviour,
    undefined,
    options.id === undefined ? undefined : { id: options.id },
  );
  const cell = kernel.cells.get(ref.id);
  if (cell === undefined) throw new AgentNotRunningError(ref.id);
  await kernel.whenStarted(cell);
  const isSpec = (value: unknown): value is ChildSpec =>
    typeof value === 'object' && value !== null && 'behaviour' in value && 'id' in value;
  const call = <T>(message: unknown) => system.call<T>(ref, message, { timeout: CALL_TIMEOUT_MS });
  return {
    ref,
    startChild(specOrArgs: unknown, startOptions?: { id?: string }) {
      return isSpec(specOrArgs)
        ? call<AgentRef>({ type: 'supervisor-child-start', spec: specOrArgs })
        : call<AgentRef>({ type: 'supervisor-child-start', args: specOrArgs, ...startOptions });
    },
    terminateChild: (id) => call<void>({ type: 'supervisor-child-terminate', id }),
    restartChild: (id) => call<AgentRef>({ type: 'supervisor-child-restart', id }),
    deleteChild: (id) => call<void>({ type: 'supervisor-child-delete', id }),
    snapshot: () => snapshotCell(cell),
    stop: () => system.stop(ref, { timeout: 'infinity' }),
  } as SupervisorHandle;
}
