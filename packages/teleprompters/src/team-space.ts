import {
  type Configuration,
  combineSpaces,
  createVariableSpace,
  type JsonValue,
  type MultiAgentSpace,
  type OrchestrationType,
  type Variable,
  type VariableSpace,
  VarplaneError,
} from '@varplane/core';
import { inputError } from './errors';
import { guardInput, reasonOf } from './internal/guard';

/** Tag carried by every orchestration variable of a joint team space. */
export const ORCHESTRATION_TAG = 'varplane:orchestration';
/** Tag carried by every agent-local variable of a joint team space. */
export const AGENT_TAG = 'varplane:agent';

/** The tag naming an orchestration variable's type (`varplane:orchestration:agent_selection`). */
export function orchestrationTypeTag(type: OrchestrationType): string {
  if (typeof type !== 'string' || (type as string) === '') {
    throw inputError(
      'INVALID_ARGUMENT',
      'orchestrationTypeTag',
      'type',
      'must be an orchestration type',
      type,
    );
  }
  return `${ORCHESTRATION_TAG}:${type}`;
}

/** The tag naming the agent a local variable belongs to (`varplane:agent:coder`). */
export function agentTag(agentId: string): string {
  if (typeof agentId !== 'string' || agentId === '') {
    throw inputError(
      'INVALID_ARGUMENT',
      'agentTag',
      'agentId',
      'must be a non-empty string',
      agentId,
    );
  }
  return `${AGENT_TAG}:${agentId}`;
}

/** Where a variable of the joint space lives in the team. */
export type TeamVariableLocation =
  | { readonly kind: 'orchestration'; readonly variableId: string }
  | { readonly kind: 'agent'; readonly agentId: string; readonly localId: string };

/**
 * The joint search space of a team: every orchestration variable's domain and every agent's local
 * variables in one {@link VariableSpace}, with ids `team.<variable>` and `<agent>.<variable>`.
 */
export interface TeamSpace {
  /** The team the space was built from; its current values are {@link TeamSpace.current}. */
  readonly space: MultiAgentSpace;
  readonly variables: VariableSpace;
  /** The prefix of orchestration variables (default `team`). */
  readonly orchestrationPart: string;
  /** Each agent with local variables, by id, and the prefix of its variables. */
  readonly agentParts: Readonly<Record<string, string>>;
  /** The team's current values, validated: what optimizers start from. */
  readonly current: Configuration;
  locate(id: string): TeamVariableLocation | undefined;
  /** Ids of one agent's variables in the joint space (empty for an agent without any). */
  agentVariableIds(agentId: string): readonly string[];
  /** Reads the values of a team of the same shape (the same variables) as a joint configuration. */
  configurationOf(space: MultiAgentSpace): Configuration;
}

/** Options of {@link createTeamSpace}. */
export interface TeamSpaceOptions {
  /** The prefix of orchestration variables; no agent may have this id (default `team`). */
  readonly orchestrationPart?: string;
}

const SUBJECT = 'createTeamSpace';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ownEntry<T>(record: Readonly<Record<string, T>>, id: string): T | undefined {
  return Object.hasOwn(record, id) ? record[id] : undefined;
}

function withTags(variable: Variable, id: string, tags: readonly string[]): Variable {
  return {
    ...variable,
    id,
    hints: { ...variable.hints, tags: [...(variable.hints.tags ?? []), ...tags] },
  } as Variable;
}

// Agent ids may hold '.', which a part name may not; '~' is never in an agent id, so this is exact.
function partName(agentId: string): string {
  return agentId.replaceAll('.', '~');
}

function checkShape(space: unknown, subject = SUBJECT): asserts space is MultiAgentSpace {
  if (
    !isRecord(space) ||
    typeof space.id !== 'string' ||
    !isRecord(space.agents) ||
    !isRecord(space.orchestrationVariables) ||
    !isRecord(space.localVariables)
  ) {
    throw inputError('TEAM_SPACE_INVALID', subject, 'space', 'must be a MultiAgentSpace', space);
  }
  if (Object.keys(space.agents).length === 0) {
    throw inputError('TEAM_SPACE_INVALID', SUBJECT, 'space.agents', 'must hold an agent', []);
  }
}

function build(space: MultiAgentSpace, orchestrationPart: string): TeamSpace {
  const locations = new Map<string, TeamVariableLocation>();
  const agentParts: Record<string, string> = {};
  const agentIds = new Map<string, string[]>();

  const orchestration = Object.values(space.orchestrationVariables).map((variable) => {
    const id = variable.id;
    locations.set(`${orchestrationPart}.${id}`, { kind: 'orchestration', variableId: id });
    return withTags(variable.domain, id, [ORCHESTRATION_TAG, orchestrationTypeTag(variable.type)]);
  });

  const parts: Record<string, VariableSpace> = {};
  if (orchestration.length > 0) parts[orchestrationPart] = createVariableSpace(orchestration);
  for (const [agentId, local] of Object.entries(space.localVariables)) {
    if (local.variables.length === 0) continue;
    const part = partName(agentId);
    if (part === orchestrationPart || part === '__proto__') {
      throw inputError(
        'TEAM_SPACE_INVALID',
        SUBJECT,
        `space.agents.${agentId}`,
        `clashes with the orchestration prefix; pass another options.orchestrationPart`,
        agentId,
      );
    }
    agentParts[agentId] = part;
    const ids: string[] = [];
    const tagged = local.variables.map((variable) => {
      const id = `${part}.${variable.id}`;
      locations.set(id, { kind: 'agent', agentId, localId: variable.id });
      ids.push(id);
      return withTags(variable, variable.id, [AGENT_TAG, agentTag(agentId)]);
    });
    agentIds.set(agentId, ids);
    parts[part] = createVariableSpace(tagged, { constraints: local.constraints });
  }
  const variables = combineSpaces(parts);

  const read = (team: MultiAgentSpace): Record<string, JsonValue> => {
    checkShape(team, 'configurationOf');
    const values: Record<string, JsonValue> = {};
    for (const [id, location] of locations) {
      if (location.kind === 'orchestration') {
        const variable = ownEntry(team.orchestrationVariables, location.variableId);
        if (variable !== undefined) values[id] = variable.value;
      } else {
        const local = ownEntry(team.agents, location.agentId)?.localConfiguration ?? {};
        if (Object.hasOwn(local, location.localId)) {
          values[id] = local[location.localId] as JsonValue;
        }
      }
    }
    return values;
  };
  // A space that is not one, or cannot be read, is refused with a typed error, never a TypeError.
  const configurationOf = (team: MultiAgentSpace): Configuration =>
    variables.validate(
      guardInput('configurationOf', 'space', team, () => read(team), 'TEAM_SPACE_INVALID'),
    );

  return {
    space,
    variables,
    orchestrationPart,
    agentParts,
    current: configurationOf(space),
    locate: (id) => locations.get(id),
    agentVariableIds: (agentId) => agentIds.get(agentId) ?? [],
    configurationOf,
  };
}

const cache = new WeakMap<MultiAgentSpace, Map<string, TeamSpace>>();

/**
 * Builds the joint search space of a team (through `combineSpaces`): each orchestration variable's
 * domain under `team.<id>`, and each agent's local variables under `<agent>.<id>` (a `.` in an
 * agent id becomes `~`). Variables carry tags saying what they are ({@link ORCHESTRATION_TAG},
 * {@link orchestrationTypeTag}, {@link AGENT_TAG}, {@link agentTag}), so mutation strategies can
 * target them on the plain variable space. Built once per space value and cached.
 *
 * @example
 * const team = createTeamSpace(space);
 * team.variables.sample(createRandom(1)); // { 'team.topology': 'ring', 'coder.temperature': 0.4 }
 */
export function createTeamSpace(space: MultiAgentSpace, options: TeamSpaceOptions = {}): TeamSpace {
  guardInput(SUBJECT, 'space', space, () => checkShape(space), 'TEAM_SPACE_INVALID');
  const orchestrationPart = guardInput(
    SUBJECT,
    'options',
    options,
    () => options.orchestrationPart ?? 'team',
  );
  if (
    typeof orchestrationPart !== 'string' ||
    !/^[A-Za-z0-9_:-]+$/.test(orchestrationPart) ||
    orchestrationPart === '__proto__'
  ) {
    throw inputError(
      'INVALID_ARGUMENT',
      SUBJECT,
      'options.orchestrationPart',
      'must be letters, digits, _ : or - (no ".")',
      orchestrationPart,
    );
  }
  let byPart = cache.get(space);
  const hit = byPart?.get(orchestrationPart);
  if (hit !== undefined) return hit;
  let team: TeamSpace;
  try {
    team = build(space, orchestrationPart);
  } catch (error) {
    if (VarplaneError.isInstance(error, 'TEAM_SPACE_INVALID')) throw error;
    throw inputError(
      'TEAM_SPACE_INVALID',
      SUBJECT,
      'space',
      `does not make a valid joint space: ${reasonOf(error)}`,
      space,
      error,
    );
  }
  if (byPart === undefined) {
    byPart = new Map();
    cache.set(space, byPart);
  }
  byPart.set(orchestrationPart, team);
  return team;
}
