/**
 * Test support for the running-space tests (not exported): a recording behaviour and a manual
 * clock wired into `startSpace`.
 */
import {
  type AgentConfig,
  createManualClock,
  createRandom,
  type ManualClock,
  type MultiAgentSpace,
  type RuntimeEvent,
} from '@varplane/core';
import type { AnyBehaviour, Behaviour } from '../behaviour';
import { type RunningSpace, type StartSpaceOptions, startSpace } from '../running-space';
import type { SpaceAgentArgs } from '../space-agent';

export interface EchoState {
  id: string;
  config: AgentConfig;
  seen: unknown[];
}

/** Remembers every cast; answers any call with its id, config and what it has seen. */
export function echo(journal: string[] = []): Behaviour<EchoState, unknown, SpaceAgentArgs> {
  return {
    name: 'echo',
    init(args) {
      journal.push(`init ${args.agentId}`);
      return { id: args.agentId, config: args.config, seen: [] };
    },
    handle(message, state, ctx) {
      if (message === 'crash') throw new Error(`crash in ${state.id}`);
      if (ctx.isCall) {
        ctx.reply({ id: state.id, config: state.config, seen: state.seen });
        return state;
      }
      return { ...state, seen: [...state.seen, message] };
    },
    terminate(_reason, state) {
      journal.push(`terminate ${state.id}`);
    },
  };
}

export interface Harness {
  team: RunningSpace;
  clock: ManualClock;
  events: RuntimeEvent[];
  journal: string[];
  latest(): MultiAgentSpace;
}

export async function run(
  space: MultiAgentSpace,
  behaviours: Record<string, AnyBehaviour> = {},
  options: Partial<StartSpaceOptions> = {},
): Promise<Harness> {
  const clock = createManualClock();
  const journal: string[] = [];
  const team = await startSpace(space, {
    behaviours: { echo: echo(journal), ...behaviours },
    clock,
    random: createRandom(3),
    statsIntervalMs: 0,
    ...options,
  });
  const events: RuntimeEvent[] = [];
  team.events$.subscribe((event) => events.push(event));
  return { team, clock, events, journal, latest: () => team.space$.value };
}
