import type { Configuration, JsonValue, TraceRecord } from '@varplane/core';
import { inputError } from '../errors';
import type { TeamSpace } from '../team-space';
import { guardInput } from './guard';
import { jsonEqual, toJson } from './json';

/** Turns one agent step into a demo for that agent; `undefined` skips the step. */
export type DemoBuilder = (trace: TraceRecord) => JsonValue | undefined;

/**
 * A demo in `@varplane/dspex-bridge`'s example shape: the step's input as `inputs`, its output as
 * `labels`. Failed steps make no demo.
 */
export const defaultDemoBuilder: DemoBuilder = (trace) =>
  guardInput('defaultDemoBuilder', 'trace', trace, () => {
    if (typeof trace !== 'object' || trace === null) {
      throw inputError(
        'INVALID_ARGUMENT',
        'defaultDemoBuilder',
        'trace',
        'must be a TraceRecord',
        trace,
      );
    }
    if (trace.output === undefined || trace.error !== undefined) return undefined;
    return toJson({ inputs: trace.input, labels: trace.output }) as JsonValue;
  });

function localTarget(
  team: TeamSpace,
  agentId: string,
  kind: 'demos' | 'text',
  preferred: readonly string[],
): string | undefined {
  const ids = team
    .agentVariableIds(agentId)
    .filter(
      (id) =>
        team.variables.get(id)?.kind === kind && team.variables.get(id)?.hints.frozen !== true,
    );
  const named = ids.find((id) => {
    const location = team.locate(id);
    return location?.kind === 'agent' && preferred.includes(location.localId);
  });
  return named ?? ids[0];
}

/** The joint id of an agent's demos variable (`demos` by name, else its first demos variable). */
export function demosTarget(team: TeamSpace, agentId: string): string | undefined {
  return localTarget(team, agentId, 'demos', ['demos', 'examples']);
}

/** The joint id of an agent's instruction (`instructions` by name, else its first text). */
export function instructionTarget(team: TeamSpace, agentId: string): string | undefined {
  return localTarget(team, agentId, 'text', ['instructions', 'instruction']);
}

/** Agents whose demos an optimizer can fill. */
export function agentsWithDemos(team: TeamSpace): string[] {
  return Object.keys(team.agentParts).filter((agentId) => demosTarget(team, agentId) !== undefined);
}

/**
 * Appends demos to agents' demos variables, skipping repeats and demos the variable rejects, and
 * dropping the oldest when a list would pass its `maxCount`. Returns the validated configuration.
 */
export function appendDemos(
  team: TeamSpace,
  configuration: Configuration,
  demos: ReadonlyMap<string, readonly JsonValue[]>,
): Configuration {
  let current = configuration;
  for (const [agentId, additions] of demos) {
    const id = demosTarget(team, agentId);
    if (id === undefined || !Object.hasOwn(current, id)) continue;
    const variable = team.variables.get(id);
    const maxCount = variable?.kind === 'demos' ? variable.maxCount : 0;
    if (maxCount === 0) continue;
    for (const demo of additions) {
      const list = current[id] as readonly JsonValue[];
      if (list.some((held) => jsonEqual(held, demo))) continue;
      const next = [...list, demo];
      while (next.length > maxCount) next.shift();
      const checked = team.variables.check({ ...current, [id]: next });
      if (checked.ok) current = checked.configuration;
    }
  }
  return current;
}
