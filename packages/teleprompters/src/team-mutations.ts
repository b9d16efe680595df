import { InvalidArgumentError, type MutationStrategy, type Variable } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { inputError } from './errors';
import { guardInput } from './internal/guard';
import { mutateVariables } from './internal/mutate-variables';
import { AGENT_TAG, ORCHESTRATION_TAG, orchestrationTypeTag } from './team-space';

/** The mutation strategies SIMBA applies to teams, by name. */
export type TeamMutationName =
  | 'agent_selection'
  | 'topology_mutation'
  | 'parameter_mutation'
  | 'resource_reallocation';

const hasTag = (variable: Variable, tag: string) => variable.hints.tags?.includes(tag) === true;

const PARAMETER_KINDS = new Set(['float', 'integer', 'choice', 'boolean', 'module']);

// An instruction with candidates is a parameter too; free text without any is left to rules.
const isParameter = (variable: Variable) =>
  PARAMETER_KINDS.has(variable.kind) ||
  (variable.kind === 'text' && variable.candidates.length > 0);

function createTeamMutation(
  name: TeamMutationName,
  description: string,
  targets: (variable: Variable) => boolean,
): MutationStrategy {
  const strategy: MutationStrategy = {
    kind: 'mutation',
    name,
    specificationVersion: 'v1',
    description,
    mutate(space, configuration, strength, context) {
      if (typeof strength !== 'number' || !(strength >= 0 && strength <= 1)) {
        throw new InvalidArgumentError({
          code: 'INVALID_ARGUMENT',
          message: `${name}: strength must be a number in [0, 1] (got ${describeValue(strength)})`,
          issues: [{ path: 'strength', message: 'must be in [0, 1]', value: strength }],
        });
      }
      checkMutateArguments(name, space, configuration, context);
      // A space whose variables are malformed is refused, not crashed on.
      return guardInput(`${name}.mutate`, 'space', space, () => {
        const movable = space.variables.filter(
          (variable) =>
            targets(variable) &&
            variable.kind !== 'composite' &&
            variable.hints.frozen !== true &&
            Object.hasOwn(configuration, variable.id),
        );
        if (movable.length === 0) return configuration;
        const count = Math.max(1, Math.round(strength * movable.length));
        const chosen = context.random
          .shuffle(movable)
          .slice(0, count)
          .map((variable) => variable.id);
        return (
          mutateVariables(space, configuration, chosen, Math.max(strength, 0.05), context.random) ??
          configuration
        );
      });
    },
  };
  return Object.freeze(strategy);
}

/** A mutation's arguments, checked before any is read deeply. */
function checkMutateArguments(
  name: string,
  space: unknown,
  configuration: unknown,
  context: unknown,
): void {
  const subject = `${name}.mutate`;
  const isObject = (value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  guardInput(subject, 'space', space, () => {
    if (!isObject(space) || !Array.isArray((space as { variables?: unknown }).variables)) {
      throw inputError('INVALID_ARGUMENT', subject, 'space', 'must be a VariableSpace', space);
    }
  });
  // Read once here, so a configuration whose traps throw is refused before any value is used.
  const readable = guardInput(
    subject,
    'configuration',
    configuration,
    () =>
      isObject(configuration) &&
      typeof (configuration as { then?: unknown }).then !== 'function' &&
      Object.keys(configuration as object).length >= 0,
  );
  if (!readable) {
    throw inputError(
      'INVALID_ARGUMENT',
      subject,
      'configuration',
      'must be a configuration object',
      configuration,
    );
  }
  guardInput(subject, 'context', context, () => {
    const random = isObject(context) ? (context as { random?: unknown }).random : undefined;
    if (
      typeof random !== 'object' ||
      random === null ||
      typeof (random as { shuffle?: unknown }).shuffle !== 'function'
    ) {
      throw inputError(
        'INVALID_ARGUMENT',
        subject,
        'context.random',
        'must be a Random (createRandom)',
        random,
      );
    }
  });
}

const TEAM_PARAMETERS = ['adaptation_rate', 'performance_threshold', 'custom'] as const;

/** The variables each team mutation moves, judged by the joint space's tags. */
export const TEAM_MUTATION_TARGETS: Readonly<
  Record<TeamMutationName, (variable: Variable) => boolean>
> = {
  agent_selection: (variable) => hasTag(variable, orchestrationTypeTag('agent_selection')),
  topology_mutation: (variable) =>
    hasTag(variable, orchestrationTypeTag('communication_topology')) ||
    hasTag(variable, orchestrationTypeTag('coordination_pattern')),
  resource_reallocation: (variable) =>
    hasTag(variable, orchestrationTypeTag('resource_allocation')),
  parameter_mutation: (variable) =>
    isParameter(variable) &&
    (hasTag(variable, AGENT_TAG) ||
      (hasTag(variable, ORCHESTRATION_TAG) &&
        TEAM_PARAMETERS.some((type) => hasTag(variable, orchestrationTypeTag(type))))),
};

/**
 * Changes which agents are active: adds, removes or swaps one agent of an `agent_selection`
 * variable of a joint team space.
 */
export function createAgentSelectionMutation(): MutationStrategy {
  return createTeamMutation(
    'agent_selection',
    'adds, removes or swaps an agent of an agent_selection variable',
    TEAM_MUTATION_TARGETS.agent_selection,
  );
}

/** Changes how agents talk: another `communication_topology` or `coordination_pattern` value. */
export function createTopologyMutation(): MutationStrategy {
  return createTeamMutation(
    'topology_mutation',
    'picks another communication topology or coordination pattern',
    TEAM_MUTATION_TARGETS.topology_mutation,
  );
}

/** Changes how resources are split: another plan of a `resource_allocation` variable. */
export function createResourceReallocationMutation(): MutationStrategy {
  return createTeamMutation(
    'resource_reallocation',
    'picks another plan of a resource_allocation variable',
    TEAM_MUTATION_TARGETS.resource_reallocation,
  );
}

/**
 * Moves individual parameters: agents' floats, integers, choices, booleans, modules and
 * instructions with candidates (temperature, model, strategy, instruction), and the team's
 * adaptation rate, threshold and custom variables. Demos are left to `append_demo`.
 */
export function createParameterMutation(): MutationStrategy {
  return createTeamMutation(
    'parameter_mutation',
    "moves agents' numeric and categorical parameters, and the team's rates and thresholds",
    TEAM_MUTATION_TARGETS.parameter_mutation,
  );
}

/** All four team mutation strategies, by name. */
export function createTeamMutations(): Readonly<Record<TeamMutationName, MutationStrategy>> {
  return {
    agent_selection: createAgentSelectionMutation(),
    topology_mutation: createTopologyMutation(),
    parameter_mutation: createParameterMutation(),
    resource_reallocation: createResourceReallocationMutation(),
  };
}
