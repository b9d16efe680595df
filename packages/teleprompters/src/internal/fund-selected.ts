import type { Configuration, JsonValue } from '@varplane/core';
import { TEAM_MUTATION_TARGETS } from '../team-mutations';
import type { TeamSpace } from '../team-space';
import { selectedAgents } from './agent-settings';

type Plans = Readonly<Record<string, Readonly<Record<string, number>>>>;

/**
 * Funds the agents that work, as roles go to them: of the allocation plans that give every
 * selected agent at least the share the configuration's plan gives it, the one that gives them
 * the most in all (the largest smallest share breaks ties). A share held by an agent that is not
 * selected is spent on nobody, and no selected agent is funded less by the change, so it never
 * starves one. Returns the configuration unchanged when no plan does better (or the team has no
 * selection variable or no plans).
 */
export function fundSelected(team: TeamSpace, configuration: Configuration): Configuration {
  const selected = selectedAgents(team.variables, configuration);
  if (selected === undefined || selected.size === 0) return configuration;
  let next: Record<string, JsonValue> | undefined;
  for (const variable of team.variables.variables) {
    if (
      variable.kind !== 'choice' ||
      variable.hints.frozen === true ||
      !TEAM_MUTATION_TARGETS.resource_reallocation(variable)
    ) {
      continue;
    }
    const location = team.locate(variable.id);
    if (location?.kind !== 'orchestration') continue;
    const settings = team.space.orchestrationVariables[location.variableId]?.settings as
      | { plans?: Plans }
      | undefined;
    const plans = settings?.plans;
    const current = configuration[variable.id];
    if (plans === undefined || typeof current !== 'string') continue;
    const sharesOf = (name: string): number[] | undefined => {
      const plan = Object.hasOwn(plans, name) ? plans[name] : undefined;
      if (plan === undefined) return undefined;
      const total = Object.values(plan).reduce((sum, share) => sum + share, 0);
      return [...selected].map(
        (agentId) => (Object.hasOwn(plan, agentId) ? (plan[agentId] as number) : 0) / total,
      );
    };
    const given = sharesOf(current);
    if (given === undefined) continue;
    const worth = (shares: readonly number[]) => [
      shares.reduce((sum, share) => sum + share, 0),
      Math.min(...shares),
    ];
    let best = current;
    let bestWorth = worth(given);
    for (const choice of variable.choices) {
      if (typeof choice !== 'string' || choice === current) continue;
      const shares = sharesOf(choice);
      if (shares === undefined || shares.some((share, i) => share < (given[i] as number) - 1e-12)) {
        continue;
      }
      const own = worth(shares);
      const [held, least] = own as [number, number];
      const [bestHeld, bestLeast] = bestWorth as [number, number];
      if (
        held > bestHeld + 1e-9 ||
        (Math.abs(held - bestHeld) <= 1e-9 && least > bestLeast + 1e-9)
      ) {
        best = choice;
        bestWorth = own;
      }
    }
    if (best !== current) {
      next ??= { ...configuration };
      next[variable.id] = best;
    }
  }
  if (next === undefined) return configuration;
  const checked = team.variables.check(next);
  return checked.ok ? checked.configuration : configuration;
}
