import {
  type Configuration,
  type JsonValue,
  type MultiAgentSpace,
  setLocalConfiguration,
  setVariableValue,
} from '@varplane/core';
import { describeValue, formatIssues } from '@varplane/core/internal';
import { inputError, TeamConfigError } from './errors';
import { guardInput } from './internal/guard';
import { jsonEqual } from './internal/json';
import { checkTeamConfig, isTeamConfig, type TeamConfig } from './team-config';
import { createTeamSpace, type TeamSpace, type TeamSpaceOptions } from './team-space';

/**
 * Validates joint values against a team space: unknown ids and invalid values are a
 * `TeamConfigError` (`TEAM_CONFIG_INVALID`) naming each path.
 */
export function validateTeamValues(
  team: TeamSpace,
  values: Readonly<Record<string, unknown>>,
): Configuration {
  const isTeam = guardInput(
    'validateTeamValues',
    'team',
    team,
    () =>
      typeof team === 'object' &&
      team !== null &&
      typeof (team as Partial<TeamSpace>).locate === 'function' &&
      typeof (team as Partial<TeamSpace>).variables?.check === 'function',
  );
  if (!isTeam) {
    throw inputError(
      'INVALID_ARGUMENT',
      'validateTeamValues',
      'team',
      'must be a TeamSpace (createTeamSpace)',
      team,
    );
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new TeamConfigError({
      code: 'TEAM_CONFIG_INVALID',
      message: `validateTeamValues: values must be an object of joint values (got ${describeValue(values)})`,
      issues: [{ path: '', message: 'must be an object', value: values }],
    });
  }
  return guardInput('validateTeamValues', 'values', values, () => checkValues(team, values));
}

function checkValues(team: TeamSpace, values: Readonly<Record<string, unknown>>): Configuration {
  const unknown = Object.keys(values).filter((id) => team.locate(id) === undefined);
  if (unknown.length > 0) {
    const issues = unknown.map((id) => ({
      path: id,
      message: 'is not a variable of this team',
      value: values[id],
    }));
    throw new TeamConfigError({
      code: 'TEAM_CONFIG_INVALID',
      message: `team config for ${describeValue(team.space.id)}: ${formatIssues(issues)}`,
      issues,
    });
  }
  const result = team.variables.check(values);
  if (!result.ok) {
    throw new TeamConfigError({
      code: 'TEAM_CONFIG_INVALID',
      message: `team config for ${describeValue(team.space.id)}: ${formatIssues(result.issues)}`,
      issues: result.issues,
    });
  }
  return result.configuration;
}

/** Applies a configuration already validated by `team.variables` to `team.space`. */
export function applyValidated(team: TeamSpace, configuration: Configuration): MultiAgentSpace {
  let space = team.space;
  const locals = new Map<string, Record<string, JsonValue>>();
  for (const agentId of Object.keys(team.agentParts)) locals.set(agentId, {});
  for (const [id, value] of Object.entries(configuration)) {
    const location = team.locate(id);
    if (location === undefined) continue;
    if (location.kind === 'orchestration') {
      const variable = space.orchestrationVariables[location.variableId];
      if (variable !== undefined && !jsonEqual(variable.value, value)) {
        space = setVariableValue(space, location.variableId, value);
      }
    } else {
      (locals.get(location.agentId) as Record<string, JsonValue>)[location.localId] = value;
    }
  }
  for (const [agentId, local] of locals) {
    const current = space.agents[agentId]?.localConfiguration ?? {};
    if (!jsonEqual(current, local)) space = setLocalConfiguration(space, agentId, local);
  }
  return space;
}

/**
 * Applies a team configuration (a {@link TeamConfig} or plain joint values such as
 * `{ 'team.topology': 'ring', 'coder.temperature': 0.4 }`) to a team, through `setVariableValue`
 * and `setLocalConfiguration`. Reading the result back gives exactly the validated values.
 * Throws a `TeamConfigError`: `TEAM_CONFIG_SPACE_MISMATCH` when the config was made for another
 * team, `TEAM_CONFIG_INVALID` for unknown ids or invalid values.
 *
 * @example
 * const result = await simba(space, trainset, metric, { runner }).result;
 * const tuned = applyTeamConfig(space, result.config);
 */
export function applyTeamConfig(
  space: MultiAgentSpace,
  config: TeamConfig | Readonly<Record<string, unknown>>,
  options: TeamSpaceOptions = {},
): MultiAgentSpace {
  const team = createTeamSpace(space, options);
  return guardInput('applyTeamConfig', 'config', config, () => applyConfig(team, space, config));
}

function applyConfig(
  team: TeamSpace,
  space: MultiAgentSpace,
  config: TeamConfig | Readonly<Record<string, unknown>>,
): MultiAgentSpace {
  let values: Readonly<Record<string, unknown>>;
  if (isTeamConfig(config)) {
    const checked = checkTeamConfig(config);
    if (checked.spaceId !== space.id) {
      throw new TeamConfigError({
        code: 'TEAM_CONFIG_SPACE_MISMATCH',
        message: `applyTeamConfig: spaceId ${describeValue(checked.spaceId)} is not the team ${describeValue(space.id)}`,
        issues: [{ path: 'spaceId', message: 'names another team', value: checked.spaceId }],
      });
    }
    values = checked.values;
  } else if (typeof config === 'object' && config !== null && !Array.isArray(config)) {
    values = config;
  } else {
    throw new TeamConfigError({
      code: 'TEAM_CONFIG_INVALID',
      message: `applyTeamConfig: config must be a team config or an object of values (got ${describeValue(config)})`,
      issues: [{ path: '', message: 'must be an object', value: config }],
    });
  }
  return applyValidated(team, validateTeamValues(team, values));
}
