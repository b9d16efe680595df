import type { Configuration, Random } from '@varplane/core';
import type { TeamSpace } from '../team-space';
import { assignRolesToSelected } from './agent-roles';
import { fundSelected } from './fund-selected';

/**
 * A proposal made into a team whose roles and resources belong to the agents that work: a role
 * held by an unselected agent goes to a selected one, then the allocation plan funds the selected
 * agents best without funding any of them less. SIMBA's and BEACON's proposals go through it;
 * random search's do not, so it stays the plain baseline.
 */
export function toWorkingTeam(
  team: TeamSpace,
  configuration: Configuration,
  random: Random,
): Configuration {
  return fundSelected(team, assignRolesToSelected(team.variables, configuration, random));
}
