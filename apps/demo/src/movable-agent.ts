/**
 * A coder that can move between nodes: an agentized program's state holds the program itself
 * (functions), which cannot cross a process boundary. What defines the coder is its configuration
 * (temperature, instruction, demos) and its counts: those travel, and the program is rebuilt from
 * the configuration on the other side.
 */
import type { JsonValue, LanguageModelUsage } from '@varplane/core';
import type { ProgramAgentState } from '@varplane/dspex-bridge';
import type { AnyBehaviour } from '@varplane/runtime';

interface MovedCoder {
  readonly agentId: string;
  readonly configuration: Readonly<Record<string, unknown>>;
  readonly orchestration: Readonly<Record<string, JsonValue>>;
  readonly runs: number;
  readonly failures: number;
  readonly usage: LanguageModelUsage;
}

const isProgramState = (state: unknown): state is ProgramAgentState =>
  typeof state === 'object' && state !== null && 'program' in state && 'agentId' in state;

/** The behaviour with `snapshot`/`restore` for program agents; other behaviours as they are. */
export function movable(behaviour: AnyBehaviour): AnyBehaviour {
  const init = behaviour.init;
  if (!behaviour.name.startsWith('dspex:') || init === undefined) return behaviour;
  return {
    ...behaviour,
    snapshot(state: unknown): MovedCoder {
      if (!isProgramState(state)) throw new Error(`${behaviour.name}: not a program agent's state`);
      return {
        agentId: state.agentId,
        configuration: state.program.configuration,
        orchestration: state.orchestration,
        runs: state.runs,
        failures: state.failures,
        usage: state.usage,
      };
    },
    restore(data: unknown): ProgramAgentState {
      const moved = data as MovedCoder;
      // A program agent's init is synchronous and reads only its arguments (no context).
      const fresh = init.call(
        behaviour,
        {
          agentId: moved.agentId,
          config: { localConfiguration: moved.configuration },
          orchestration: moved.orchestration,
        },
        undefined as never,
      ) as ProgramAgentState;
      return { ...fresh, runs: moved.runs, failures: moved.failures, usage: moved.usage };
    },
  };
}
