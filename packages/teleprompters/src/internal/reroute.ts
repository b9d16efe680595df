import type { Configuration, DemosVariable, JsonValue } from '@varplane/core';
import type { TeamSpace } from '../team-space';
import { carryAgentSettings, selectionVariables } from './agent-settings';
import type { TypeCredit } from './type-credit';

/**
 * Hands a task type to the agent that answers it best: when that agent (by the credit of every
 * team's runs) is not selected, it joins the team, in place of the selected agent whose answers
 * are worth least over the task mix when the selection is full, and it brings the settings it
 * worked best with. Undefined when the best agent is already selected, or the team has no single
 * selection variable, or nothing valid comes of it.
 */
export function rerouteTaskType(
  team: TeamSpace,
  configuration: Configuration,
  taskType: string,
  credit: TypeCredit,
  mix: ReadonlyMap<string, number>,
  donorOf: (agentId: string) => Configuration | undefined,
): Configuration | undefined {
  const selections = selectionVariables(team.variables).filter(
    (variable) => variable.hints.frozen !== true,
  );
  if (selections.length !== 1) return undefined;
  const selection = selections[0] as DemosVariable;
  const current = configuration[selection.id];
  if (!Array.isArray(current)) return undefined;
  const selected = current.map(String);
  const pool = selection.pool.map(String);
  const star = credit.best(taskType, pool);
  if (star === undefined || selected.includes(star)) return undefined;
  const worth = (agentId: string) => {
    let total = 0;
    for (const [type, share] of mix) total += share * (credit.score(agentId, type) ?? 0);
    return total;
  };
  const tryWith = (agents: readonly string[]) => {
    const raw: Record<string, JsonValue> = { ...configuration, [selection.id]: [...agents] };
    const checked = team.variables.check(raw);
    return checked.ok ? checked.configuration : undefined;
  };
  let next = tryWith([...selected, star]);
  if (next === undefined && selected.length > 0) {
    let weakest = 0;
    for (let i = 1; i < selected.length; i++) {
      if (worth(selected[i] as string) < worth(selected[weakest] as string)) weakest = i;
    }
    next = tryWith(selected.map((agentId, i) => (i === weakest ? star : agentId)));
  }
  if (next === undefined) return undefined;
  return carryAgentSettings(team, configuration, next, donorOf);
}
