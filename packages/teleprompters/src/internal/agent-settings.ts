import type { Configuration, DemosVariable, JsonValue, VariableSpace } from '@varplane/core';
import type { TeamSpace } from '../team-space';
import { orchestrationTypeTag } from '../team-space';

const SELECTION_TAG = orchestrationTypeTag('agent_selection');

/** The team's agent_selection variables. */
export function selectionVariables(space: VariableSpace): DemosVariable[] {
  return space.variables.filter(
    (variable): variable is DemosVariable =>
      variable.kind === 'demos' && variable.hints.tags?.includes(SELECTION_TAG) === true,
  );
}

/** The agents a configuration selects; undefined when the team has no selection variable. */
export function selectedAgents(
  space: VariableSpace,
  configuration: Configuration,
): Set<string> | undefined {
  const selections = selectionVariables(space);
  if (selections.length === 0) return undefined;
  return new Set(
    selections.flatMap((variable) => {
      const value = configuration[variable.id];
      return Array.isArray(value) ? value.map(String) : [];
    }),
  );
}

/**
 * An agent that a move brings into the team brings the settings it worked best with: the values
 * an agent that was not selected holds are whatever it was last given (a random start, another
 * team's), never measured, so a new organization would be judged with untried agents. Each agent
 * `next` selects and `from` did not takes its variables from `donorOf(agentId)` (the best team that
 * selected it), when there is one. Returns `next` unchanged when nothing moved or the space refuses
 * the result.
 */
export function carryAgentSettings(
  team: TeamSpace,
  from: Configuration,
  next: Configuration,
  donorOf: (agentId: string) => Configuration | undefined,
): Configuration {
  const before = selectedAgents(team.variables, from);
  const after = selectedAgents(team.variables, next);
  if (before === undefined || after === undefined) return next;
  let out: Record<string, JsonValue> | undefined;
  for (const agentId of after) {
    if (before.has(agentId)) continue;
    const donor = donorOf(agentId);
    if (donor === undefined) continue;
    for (const id of team.agentVariableIds(agentId)) {
      if (!Object.hasOwn(donor, id) || team.variables.get(id)?.hints.frozen === true) continue;
      out ??= { ...next };
      out[id] = donor[id] as JsonValue;
    }
  }
  if (out === undefined) return next;
  const checked = team.variables.check(out);
  return checked.ok ? checked.configuration : next;
}
