import type { Configuration, JsonValue, Random, VariableSpace } from '@varplane/core';
import { selectedAgents, selectionVariables } from './agent-settings';

/**
 * Gives every role to an agent that works: a choice among the team's agents (a star's hub, a
 * leader) that names an agent the selection left out is moved to one of the selected agents,
 * since an agent that is not selected does not run and a role held by it is void. A role whose
 * choices include no selected agent, or a team without a selection variable, is left alone.
 * Returns the configuration unchanged when nothing moved (or when the moved one is refused).
 */
export function assignRolesToSelected(
  space: VariableSpace,
  configuration: Configuration,
  random: Random,
): Configuration {
  const selections = selectionVariables(space);
  if (selections.length === 0) return configuration;
  const pool = new Set(selections.flatMap((variable) => variable.pool.map(String)));
  const selected = selectedAgents(space, configuration) as Set<string>;
  let next: Record<string, JsonValue> | undefined;
  for (const variable of space.variables) {
    if (variable.kind !== 'choice' || variable.hints.frozen === true) continue;
    const value = configuration[variable.id];
    if (typeof value !== 'string' || selected.has(value) || !pool.has(value)) continue;
    if (!variable.choices.every((choice) => typeof choice === 'string' && pool.has(choice))) {
      continue;
    }
    const working = variable.choices.filter((choice) => selected.has(choice as string));
    if (working.length === 0) continue;
    next ??= { ...configuration };
    next[variable.id] = random.pick(working) as JsonValue;
  }
  if (next === undefined) return configuration;
  const checked = space.check(next);
  return checked.ok ? checked.configuration : configuration;
}
