import { InvalidArgumentError } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import type { CallOptions } from './behaviour';
import { SpaceNotRunningError, SpaceOperationError } from './errors';
import type { SpaceRuntime } from './internal/space-runtime';

/** Options of a running space's `callSelected` and `sendToSelected`. */
export interface DispatchOptions extends CallOptions {
  /**
   * Picks the agent for this message among the running agents the variable selects (the card's
   * task-based selection). Default: each in turn. Returning anything else rejects the dispatch.
   */
  choose?: (message: unknown, candidates: readonly string[]) => string;
}

/**
 * Sends each message to whoever an agent selection selects now: a running, selected agent that
 * is not draining. During a swap the selection may name no running agent for a moment (the old
 * one stopped, the new one starting): the dispatch then waits for the operation in progress and
 * tries again, so a swap loses no task.
 */
export class SelectionDispatcher {
  private turn = 0;

  constructor(private readonly rt: SpaceRuntime) {}

  async pick(variableId: string, message: unknown, options: DispatchOptions): Promise<string> {
    const now = this.candidates(variableId);
    const candidates = now.length > 0 ? now : await this.afterOperations(variableId);
    if (candidates.length === 0) {
      throw new SpaceOperationError({
        code: 'NO_AGENT_SELECTED',
        message: `${variableId} selects ${describeValue(this.variable(variableId).value)}, and none of them is running`,
      });
    }
    if (options.choose === undefined) return candidates[this.turn++ % candidates.length] as string;
    let chosen: unknown;
    try {
      chosen = options.choose(message, candidates);
    } catch (error) {
      throw new SpaceOperationError({
        code: 'NO_AGENT_SELECTED',
        message: `${variableId}: choose threw: ${error instanceof Error ? error.message : describeValue(error)}`,
        cause: error,
      });
    }
    if (typeof chosen !== 'string' || !candidates.includes(chosen)) {
      throw new SpaceOperationError({
        code: 'NO_AGENT_SELECTED',
        message: `${variableId}: choose must return one of ${candidates.join(', ')} (got ${describeValue(chosen)})`,
      });
    }
    return chosen;
  }

  private variable(variableId: string) {
    const variable = this.rt.space.orchestrationVariables[variableId];
    if (variable === undefined) {
      throw new InvalidArgumentError({
        code: 'SPACE_VARIABLE_UNKNOWN',
        message: `variableId: no orchestration variable ${describeValue(variableId)} in space ${this.rt.space.id}`,
        issues: [{ path: 'variableId', message: 'unknown variable', value: variableId }],
      });
    }
    if (variable.type !== 'agent_selection') {
      throw new InvalidArgumentError({
        code: 'INVALID_ARGUMENT',
        message: `${variableId} is a ${variable.type} variable; dispatching needs an agent_selection`,
        issues: [
          { path: 'variableId', message: 'must name an agent selection', value: variableId },
        ],
      });
    }
    return variable;
  }

  private candidates(variableId: string): string[] {
    const value = this.variable(variableId).value;
    const selected = Array.isArray(value) ? (value as string[]) : [];
    return selected.filter((id) => this.rt.isRunning(id) && !this.rt.draining.has(id));
  }

  private async afterOperations(variableId: string): Promise<string[]> {
    await this.rt.serial(async () => undefined);
    if (this.rt.stopped) throw new SpaceNotRunningError(this.rt.space.id, 'dispatch');
    return this.candidates(variableId);
  }
}
