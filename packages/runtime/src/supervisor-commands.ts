import type { AgentRef } from '@varplane/core';
import { describeValue, toErrorInfo } from '@varplane/core/internal';
import type { AgentContext } from './behaviour';
import { type ChildSpec, type NormalizedChildSpec, normalizeChildSpec } from './child-spec';
import { AgentAlreadyExistsError, SupervisionError } from './errors';
import { type Cell, DEAD, RUNNING, STARTING } from './internal/cell';
import {
  type ChildRecord,
  forgetSwap,
  newRecord,
  type SupervisorState,
  spawnRecord,
  stopAll,
} from './internal/child-records';
import type { Kernel } from './internal/kernel';

/**
 * What a running supervisor does on request: start, terminate, restart and delete children. Each
 * is a `call`, so it works the same wherever the supervisor runs.
 */

/** What a supervisor answers to, by `call`. `startChild` of a `simple_one_for_one` takes args. */
export type SupervisorCommand =
  | { type: 'supervisor-child-start'; spec?: ChildSpec; args?: unknown; id?: string }
  | { type: 'supervisor-child-terminate'; id: string }
  | { type: 'supervisor-child-restart'; id: string }
  | { type: 'supervisor-child-delete'; id: string };

const COMMANDS = new Set([
  'supervisor-child-start',
  'supervisor-child-terminate',
  'supervisor-child-restart',
  'supervisor-child-delete',
]);

export function isCommand(message: unknown): message is SupervisorCommand {
  return (
    typeof message === 'object' &&
    message !== null &&
    COMMANDS.has((message as { type?: unknown }).type as string)
  );
}

export function onCommand(
  state: SupervisorState,
  command: SupervisorCommand,
  supervisor: Cell,
  kernel: Kernel,
  ctx: AgentContext,
): SupervisorState | Promise<SupervisorState> {
  const replier = ctx.deferReply<AgentRef | undefined>();
  const find = (id: string) => {
    const record = state.records.find((r) => r.spec.id === id);
    if (record === undefined) {
      throw new SupervisionError(state.id, {
        code: 'CHILD_NOT_FOUND',
        message: `supervisor ${state.id}: no child ${describeValue(id)}`,
      });
    }
    return record;
  };
  try {
    switch (command.type) {
      case 'supervisor-child-start': {
        const spec = specFor(state, command);
        if (state.records.some((r) => r.spec.id === spec.id))
          throw new AgentAlreadyExistsError(spec.id);
        const record = newRecord(spec);
        state.records.push(record);
        forgetSwap(supervisor, spec.id);
        return startOne(state, record, supervisor, kernel, true).then(
          (ref) => {
            replier.resolve(ref);
            return state;
          },
          (error) => {
            replier.reject(error);
            return state;
          },
        );
      }
      case 'supervisor-child-terminate': {
        const record = find(command.id);
        return stopAll([record], kernel).then(() => {
          if (
            record.spec.restart === 'temporary' ||
            state.options.strategy === 'simple_one_for_one'
          ) {
            state.records.splice(state.records.indexOf(record), 1);
          }
          replier.resolve(undefined);
          return state;
        });
      }
      case 'supervisor-child-restart': {
        const record = find(command.id);
        if (record.cell !== null && record.cell.status !== DEAD) {
          throw new SupervisionError(state.id, {
            code: 'CHILD_START_FAILED',
            message: `supervisor ${state.id}: child ${command.id} is still running`,
          });
        }
        return startOne(state, record, supervisor, kernel, false).then(
          (ref) => {
            replier.resolve(ref);
            return state;
          },
          (error) => {
            replier.reject(error);
            return state;
          },
        );
      }
      case 'supervisor-child-delete': {
        const record = find(command.id);
        if (record.cell !== null && record.cell.status !== DEAD) {
          throw new SupervisionError(state.id, {
            code: 'CHILD_START_FAILED',
            message: `supervisor ${state.id}: terminate child ${command.id} before deleting it`,
          });
        }
        state.records.splice(state.records.indexOf(record), 1);
        forgetSwap(supervisor, record.spec.id);
        replier.resolve(undefined);
        return state;
      }
    }
  } catch (error) {
    replier.reject(error);
  }
  return state;
}

function specFor(
  state: SupervisorState,
  command: Extract<SupervisorCommand, { type: 'supervisor-child-start' }>,
) {
  if (state.options.strategy !== 'simple_one_for_one') {
    return normalizeChildSpec(command.spec as ChildSpec, 'startChild');
  }
  const template = state.options.children[0] as NormalizedChildSpec;
  state.seq++;
  return {
    ...template,
    id: command.id ?? `${template.id}-${state.seq}`,
    args: command.args === undefined ? template.args : command.args,
  };
}

/**
 * Starts one child: a new one (`added`), or one stopped for good. When its start fails, a new
 * child is not kept, as in OTP, so a retry once the cause is fixed is accepted; a restarted one
 * keeps its spec (unless temporary or dynamic).
 */
async function startOne(
  state: SupervisorState,
  record: ChildRecord,
  supervisor: Cell,
  kernel: Kernel,
  added: boolean,
): Promise<AgentRef> {
  const fail = (error: unknown): never => {
    if (record.cell !== null) kernel.exits.retire(record.cell, { error: toErrorInfo(error) });
    record.cell = null;
    const index = state.records.indexOf(record);
    if (
      index >= 0 &&
      (added ||
        record.spec.restart === 'temporary' ||
        state.options.strategy === 'simple_one_for_one')
    ) {
      state.records.splice(index, 1);
    }
    throw new SupervisionError(state.id, {
      code: 'CHILD_START_FAILED',
      message: `supervisor ${state.id}: child ${record.spec.id} failed to start: ${toErrorInfo(error).message}`,
      cause: error,
    });
  };
  let cell: Cell;
  try {
    cell = spawnRecord(record, state, supervisor, kernel);
  } catch (error) {
    return fail(error);
  }
  if (cell.status === STARTING) {
    try {
      await kernel.whenStarted(cell);
    } catch (error) {
      return fail(error);
    }
  }
  if (cell.status !== RUNNING && cell.status !== STARTING) return fail(cell.lastError);
  return cell.ref;
}
