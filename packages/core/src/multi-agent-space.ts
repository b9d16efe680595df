import { castDraft, type Draft, produce } from 'immer';
import { z } from 'zod';
import {
  type AdaptationEvent,
  type AdaptationEventInput,
  adaptationEventSchema,
} from './adaptation';
import {
  AGENT_ROLES,
  AGENT_STATUSES,
  type AgentConfig,
  type AgentConfigInput,
  type AgentRole,
  type AgentStatus,
  agentConfigSchema,
} from './agent-config';
import { agentIdSchema } from './agent-ref';
import { checkOrchestrationValue } from './coordinate';
import {
  COORDINATION_PATTERNS,
  type CoordinationGraph,
  type CoordinationPattern,
  EDGE_TYPES,
  type EdgeType,
  topologyEdges,
} from './coordination-graph';
import { describeValue, formatIssues, type Issue, SpaceTransitionError } from './errors';
import { guardInput } from './internal/guard';
import { INVALID, normalizeJson } from './internal/json';
import { parseOrThrow } from './internal/parse';
import {
  emptyMetrics,
  type PerformanceMetrics,
  performanceMetricsSchema,
  type ResourcePool,
  resourcePoolSchema,
  unlimitedResourcePool,
} from './metrics';
import type { OrchestrationVariable } from './orchestration-variable';
import {
  type FaultRecoveryConfig,
  type FaultRecoveryConfigInput,
  faultRecoveryConfigSchema,
  type ScalingPolicy,
  type ScalingPolicyInput,
  scalingPolicySchema,
} from './scaling';
import type { VariableSpace } from './variable-space';

/**
 * A whole team as one immutable value: its agents, the orchestration variables that coordinate
 * them, resources, who talks to whom, how it performs and how it has changed. Every function here
 * returns a new space and leaves the old one untouched (structurally shared), so optimizers can
 * make thousands of candidate teams cheaply.
 */
export interface MultiAgentSpace {
  readonly id: string;
  readonly name: string;
  readonly agents: Readonly<Record<string, AgentConfig>>;
  readonly orchestrationVariables: Readonly<Record<string, OrchestrationVariable>>;
  /** Each agent's own variables (temperature, demos...), when it has any. */
  readonly localVariables: Readonly<Record<string, VariableSpace>>;
  readonly resourcePool: ResourcePool;
  readonly coordinationGraph: CoordinationGraph;
  readonly performanceMetrics: PerformanceMetrics;
  readonly adaptationHistory: readonly AdaptationEvent[];
  readonly faultRecovery: FaultRecoveryConfig;
  readonly scalingPolicies: readonly ScalingPolicy[];
  /** Counts transitions: a cheap way to tell two versions of a space apart. */
  readonly version: number;
}

const fail = (o: { code: string; message: string; issues?: readonly import('./errors').Issue[] }) =>
  new SpaceTransitionError(o);

const createOptionsSchema = z.object({
  id: agentIdSchema,
  name: z.string().optional(),
  resourcePool: resourcePoolSchema.partial().optional(),
  faultRecovery: faultRecoveryConfigSchema.optional(),
  scalingPolicies: z.array(scalingPolicySchema).optional(),
  topology: z.enum(COORDINATION_PATTERNS).optional(),
  hub: agentIdSchema.optional(),
});

export interface CreateSpaceOptions {
  id: string;
  name?: string;
  /** What the team may use; anything left out is unlimited. */
  resourcePool?: Partial<ResourcePool>;
  faultRecovery?: FaultRecoveryConfigInput;
  scalingPolicies?: readonly ScalingPolicyInput[];
  /** The pattern new agents are wired by (default `custom`: wire them yourself). */
  topology?: CoordinationPattern;
  hub?: string;
}

/**
 * An empty team.
 *
 * @example
 * let space = createMultiAgentSpace({ id: 'software_team', topology: 'star' });
 * space = registerAgent(space, { id: 'planner', behaviour: 'planner', role: 'coordinator' });
 */
export function createMultiAgentSpace(options: CreateSpaceOptions): MultiAgentSpace {
  const parsed = parseOrThrow(createOptionsSchema, options, {
    code: 'INVALID_ARGUMENT',
    subject: 'createMultiAgentSpace',
    error: fail,
  });
  return produce(
    {
      id: parsed.id,
      name: parsed.name ?? parsed.id,
      // Keyed by user ids: null-prototype records, so `__proto__` or `constructor` is an ordinary id.
      agents: Object.create(null),
      orchestrationVariables: Object.create(null),
      localVariables: Object.create(null),
      resourcePool: { ...unlimitedResourcePool(), ...definedOnly(parsed.resourcePool ?? {}) },
      coordinationGraph: {
        nodes: [],
        edges: [],
        topology: parsed.topology ?? 'custom',
        ...(parsed.hub ? { hub: parsed.hub } : {}),
      },
      performanceMetrics: emptyMetrics(),
      adaptationHistory: [],
      faultRecovery: parsed.faultRecovery ?? faultRecoveryConfigSchema.parse({}),
      scalingPolicies: parsed.scalingPolicies ?? [],
      version: 0,
    } satisfies MultiAgentSpace,
    () => {},
  );
}

// zod's partial() types absent keys as `undefined`; a pool must never hold one.
function definedOnly(
  pool: Partial<Record<keyof ResourcePool, number | undefined>>,
): Partial<ResourcePool> {
  return Object.fromEntries(
    Object.entries(pool).filter(([, v]) => v !== undefined),
  ) as Partial<ResourcePool>;
}

function transition(
  space: MultiAgentSpace,
  recipe: (draft: Draft<MultiAgentSpace>) => void,
): MultiAgentSpace {
  return produce(space, (draft) => {
    recipe(draft);
    draft.version += 1;
  });
}

const has = (record: object, key: string): boolean => Object.hasOwn(record, key);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Refuses anything that is not a multi-agent space, naming the function and the value. */
function requireSpace(space: unknown, subject: string): asserts space is MultiAgentSpace {
  let ok = false;
  try {
    ok =
      isRecord(space) &&
      typeof space.id === 'string' &&
      isRecord(space.agents) &&
      isRecord(space.orchestrationVariables) &&
      isRecord(space.localVariables) &&
      isRecord(space.coordinationGraph) &&
      Array.isArray(space.adaptationHistory);
  } catch {
    // A Proxy or a throwing getter is not a space either.
  }
  if (!ok) {
    throw new SpaceTransitionError({
      code: 'INVALID_ARGUMENT',
      message: `${subject}: space must be a multi-agent space made by createMultiAgentSpace (got ${describeValue(space)})`,
      issues: [{ path: 'space', message: 'not a multi-agent space', value: space }],
    });
  }
}

function requireAgent(space: MultiAgentSpace, id: unknown, path = 'agent'): string {
  if (typeof id !== 'string' || !has(space.agents, id)) {
    throw new SpaceTransitionError({
      code: 'SPACE_AGENT_UNKNOWN',
      message: `${path}: no agent ${describeValue(id)} in space ${describeValue(space.id)}; agents: ${Object.keys(space.agents).join(', ') || '(none)'}`,
      issues: [{ path, message: 'unknown agent', value: id }],
    });
  }
  return id;
}

function requireVariable(space: MultiAgentSpace, id: unknown): OrchestrationVariable {
  const found =
    typeof id === 'string' && has(space.orchestrationVariables, id)
      ? space.orchestrationVariables[id]
      : undefined;
  if (found === undefined) {
    throw new SpaceTransitionError({
      code: 'SPACE_VARIABLE_UNKNOWN',
      message: `variableId: no orchestration variable ${describeValue(id)} in space ${describeValue(space.id)}; variables: ${Object.keys(space.orchestrationVariables).join(', ') || '(none)'}`,
      issues: [{ path: 'variableId', message: 'unknown variable', value: id }],
    });
  }
  return found;
}

// Lays the space's pattern over its nodes again, keeping edges of other types as they were.
function relayTopology(draft: Draft<MultiAgentSpace>): void {
  const graph = draft.coordinationGraph;
  if (graph.topology === 'custom') return;
  const kept = graph.edges.filter((edge) => edge.type !== 'coordination');
  const hub = graph.hub !== undefined && graph.nodes.includes(graph.hub) ? graph.hub : undefined;
  graph.edges = [
    ...kept,
    ...topologyEdges(graph.topology, graph.nodes, hub === undefined ? {} : { hub }),
  ];
}

function requireAgents(space: MultiAgentSpace, variable: VariableShape): void {
  variable.agents.forEach((agent, i) => {
    requireAgent(space, agent, `${variable.id}.agents[${i}]`);
  });
}

/** The fields of an orchestration variable a transition relies on, read once under a guard. */
interface VariableShape {
  readonly id: string;
  readonly agents: readonly unknown[];
}

function readVariable(subject: string, variable: unknown): VariableShape {
  const shape = guardInput(subject, 'variable', variable, () => {
    if (!isRecord(variable)) return undefined;
    const { id, type, domain, agents } = variable;
    return typeof id === 'string' &&
      typeof type === 'string' &&
      isRecord(domain) &&
      Array.isArray(agents)
      ? { id, agents: [...agents] }
      : undefined;
  });
  if (shape === undefined) {
    throw new SpaceTransitionError({
      code: 'INVALID_ARGUMENT',
      message: `${subject}: expected an orchestration variable made by agentSelection, resourceAllocation... (got ${describeValue(variable)})`,
      issues: [{ path: 'variable', message: 'not an orchestration variable', value: variable }],
    });
  }
  return shape;
}

/** A local configuration with no space to check it against: it must at least be JSON data. */
function jsonConfiguration(
  subject: string,
  agent: { id: string; localConfiguration: unknown },
): Record<string, unknown> {
  const issues: Issue[] = [];
  const copy = guardInput(subject, 'localConfiguration', agent.localConfiguration, () =>
    normalizeJson(agent.localConfiguration, `${agent.id}.localConfiguration`, issues),
  );
  if (copy === INVALID) {
    throw new SpaceTransitionError({
      code: 'INVALID_ARGUMENT',
      message: `${subject}: ${formatIssues(issues)}`,
      issues,
    });
  }
  return copy as Record<string, unknown>;
}

/**
 * Adds an agent. Its local configuration is validated (and completed with defaults) by its local
 * variable space when one is given. New agents join the space's topology.
 */
export function registerAgent(
  space: MultiAgentSpace,
  config: AgentConfigInput,
  options: { localVariables?: VariableSpace } = {},
): MultiAgentSpace {
  requireSpace(space, 'registerAgent');
  const local = guardInput('registerAgent', 'options', options, () =>
    isRecord(options) ? options.localVariables : options,
  );
  if (local !== undefined && !(isRecord(local) && typeof local.check === 'function')) {
    throw new SpaceTransitionError({
      code: 'INVALID_ARGUMENT',
      message: `registerAgent: options.localVariables must be a variable space (got ${describeValue(local)})`,
      issues: [{ path: 'options.localVariables', message: 'not a variable space', value: local }],
    });
  }
  const parsed = parseOrThrow(agentConfigSchema, config, {
    code: 'INVALID_ARGUMENT',
    subject: 'registerAgent',
    error: fail,
  });
  if (has(space.agents, parsed.id)) {
    throw new SpaceTransitionError({
      code: 'SPACE_AGENT_DUPLICATE',
      message: `registerAgent: agent ${describeValue(parsed.id)} is already in space ${describeValue(space.id)}`,
      issues: [{ path: 'id', message: 'already registered', value: parsed.id }],
    });
  }
  let agent: AgentConfig = parsed;
  if (local === undefined) {
    agent = { ...parsed, localConfiguration: jsonConfiguration('registerAgent', parsed) };
  } else {
    const result = local.check(parsed.localConfiguration);
    if (!result.ok) {
      const issues = result.issues.map((issue) => ({
        ...issue,
        path: `localConfiguration.${issue.path}`,
      }));
      throw new SpaceTransitionError({
        code: 'INVALID_ARGUMENT',
        message: `registerAgent ${describeValue(parsed.id)}: ${formatIssues(issues)}`,
        issues,
      });
    }
    agent = { ...parsed, localConfiguration: { ...result.configuration } };
  }
  return transition(space, (draft) => {
    draft.agents[agent.id] = castDraft(agent);
    if (local !== undefined) draft.localVariables[agent.id] = castDraft(local);
    draft.coordinationGraph.nodes.push(agent.id);
    relayTopology(draft);
  });
}

/** Removes an agent, its edges, and its place in every orchestration variable's agents. */
export function removeAgent(space: MultiAgentSpace, agentId: string): MultiAgentSpace {
  requireSpace(space, 'removeAgent');
  requireAgent(space, agentId, 'agentId');
  const users = Object.values(space.orchestrationVariables).filter((v) =>
    v.agents.includes(agentId),
  );
  if (users.length > 0) {
    throw new SpaceTransitionError({
      code: 'SPACE_EDGE_INVALID',
      message: `removeAgent: agent ${describeValue(agentId)} is still coordinated by ${users.map((v) => v.id).join(', ')}; remove those variables first`,
    });
  }
  return transition(space, (draft) => {
    delete draft.agents[agentId];
    delete draft.localVariables[agentId];
    const graph = draft.coordinationGraph;
    graph.nodes = graph.nodes.filter((node) => node !== agentId);
    graph.edges = graph.edges.filter((edge) => edge.from !== agentId && edge.to !== agentId);
    relayTopology(draft);
  });
}

export function setAgentStatus(
  space: MultiAgentSpace,
  agentId: string,
  status: AgentStatus,
): MultiAgentSpace {
  requireSpace(space, 'setAgentStatus');
  requireAgent(space, agentId, 'agentId');
  if (!AGENT_STATUSES.includes(status)) {
    throw new SpaceTransitionError({
      code: 'INVALID_ARGUMENT',
      message: `setAgentStatus: status must be one of ${AGENT_STATUSES.join(', ')} (got ${describeValue(status)})`,
    });
  }
  if (space.agents[agentId]?.status === status) return space;
  return transition(space, (draft) => {
    (draft.agents[agentId] as Draft<AgentConfig>).status = status;
  });
}

/** Gives an agent another role (a `changeRole` directive). */
export function setAgentRole(
  space: MultiAgentSpace,
  agentId: string,
  role: AgentRole,
): MultiAgentSpace {
  requireSpace(space, 'setAgentRole');
  requireAgent(space, agentId, 'agentId');
  if (!AGENT_ROLES.includes(role)) {
    throw new SpaceTransitionError({
      code: 'INVALID_ARGUMENT',
      message: `setAgentRole: role must be one of ${AGENT_ROLES.join(', ')} (got ${describeValue(role)})`,
    });
  }
  if (space.agents[agentId]?.role === role) return space;
  return transition(space, (draft) => {
    (draft.agents[agentId] as Draft<AgentConfig>).role = role;
  });
}

/** Replaces an agent's local configuration, validated by its local variable space. */
export function setLocalConfiguration(
  space: MultiAgentSpace,
  agentId: string,
  configuration: Readonly<Record<string, unknown>>,
): MultiAgentSpace {
  requireSpace(space, 'setLocalConfiguration');
  requireAgent(space, agentId, 'agentId');
  if (!isRecord(configuration)) {
    throw new SpaceTransitionError({
      code: 'INVALID_ARGUMENT',
      message: `setLocalConfiguration: configuration must be an object of variable values (got ${describeValue(configuration)})`,
      issues: [{ path: 'configuration', message: 'not an object', value: configuration }],
    });
  }
  const local = has(space.localVariables, agentId) ? space.localVariables[agentId] : undefined;
  let next: Record<string, unknown> = {};
  if (local === undefined) {
    next = jsonConfiguration('setLocalConfiguration', {
      id: agentId,
      localConfiguration: configuration,
    });
  } else {
    const result = local.check(configuration);
    if (!result.ok) {
      const issues = result.issues.map((issue) => ({ ...issue, path: `${agentId}.${issue.path}` }));
      throw new SpaceTransitionError({
        code: 'INVALID_ARGUMENT',
        message: `setLocalConfiguration: ${formatIssues(issues)}`,
        issues,
      });
    }
    next = { ...result.configuration };
  }
  return transition(space, (draft) => {
    (draft.agents[agentId] as Draft<AgentConfig>).localConfiguration = next;
  });
}

/** Adds an orchestration variable; every agent it names must be registered. */
export function addOrchestrationVariable(
  space: MultiAgentSpace,
  variable: OrchestrationVariable,
): MultiAgentSpace {
  requireSpace(space, 'addOrchestrationVariable');
  const shape = readVariable('addOrchestrationVariable', variable);
  if (has(space.orchestrationVariables, shape.id)) {
    throw new SpaceTransitionError({
      code: 'SPACE_VARIABLE_DUPLICATE',
      message: `addOrchestrationVariable: variable ${describeValue(shape.id)} is already in space ${describeValue(space.id)}`,
      issues: [{ path: 'variable.id', message: 'already in the space', value: shape.id }],
    });
  }
  requireAgents(space, shape);
  return transition(space, (draft) => {
    draft.orchestrationVariables[shape.id] = castDraft(variable);
  });
}

/** Replaces an orchestration variable (after `adapt`, say) keeping its id. */
export function replaceOrchestrationVariable(
  space: MultiAgentSpace,
  variable: OrchestrationVariable,
): MultiAgentSpace {
  requireSpace(space, 'replaceOrchestrationVariable');
  const shape = readVariable('replaceOrchestrationVariable', variable);
  requireVariable(space, shape.id);
  requireAgents(space, shape);
  if (space.orchestrationVariables[shape.id] === variable) return space;
  return transition(space, (draft) => {
    draft.orchestrationVariables[shape.id] = castDraft(variable);
  });
}

/** Sets an orchestration variable's value, checked against its domain. */
export function setVariableValue(
  space: MultiAgentSpace,
  variableId: string,
  value: unknown,
): MultiAgentSpace {
  requireSpace(space, 'setVariableValue');
  const variable = requireVariable(space, variableId);
  const checked = checkOrchestrationValue(variable, value);
  return transition(space, (draft) => {
    draft.orchestrationVariables[variableId] = castDraft({ ...variable, value: checked });
  });
}

/** Adds a typed, directed edge between two registered agents (once; repeats are ignored). */
export function connectAgents(
  space: MultiAgentSpace,
  from: string,
  to: string,
  type: EdgeType = 'data',
): MultiAgentSpace {
  requireSpace(space, 'connectAgents');
  requireAgent(space, from, 'from');
  requireAgent(space, to, 'to');
  if (from === to || !EDGE_TYPES.includes(type)) {
    throw new SpaceTransitionError({
      code: 'SPACE_EDGE_INVALID',
      message:
        from === to
          ? `connectAgents: an agent cannot be connected to itself (got ${describeValue(from)})`
          : `connectAgents: type must be one of ${EDGE_TYPES.join(', ')} (got ${describeValue(type)})`,
    });
  }
  if (space.coordinationGraph.edges.some((e) => e.from === from && e.to === to && e.type === type))
    return space;
  return transition(space, (draft) => {
    draft.coordinationGraph.edges.push({ from, to, type });
  });
}

/** Removes the edges from `from` to `to` (of one type, or of every type). */
export function disconnectAgents(
  space: MultiAgentSpace,
  from: string,
  to: string,
  type?: EdgeType,
): MultiAgentSpace {
  requireSpace(space, 'disconnectAgents');
  requireAgent(space, from, 'from');
  requireAgent(space, to, 'to');
  return transition(space, (draft) => {
    const graph = draft.coordinationGraph;
    graph.edges = graph.edges.filter(
      (e) => !(e.from === from && e.to === to && (type === undefined || e.type === type)),
    );
  });
}

/**
 * Lays `pattern` over every agent: `coordination` edges are replaced by the pattern's, other edge
 * types are kept. `custom` keeps the edges as they are.
 */
export function setTopology(
  space: MultiAgentSpace,
  pattern: CoordinationPattern,
  options: { hub?: string } = {},
): MultiAgentSpace {
  requireSpace(space, 'setTopology');
  const hub = guardInput('setTopology', 'options', options, () =>
    isRecord(options) ? options.hub : options,
  );
  if (!COORDINATION_PATTERNS.includes(pattern)) {
    throw new SpaceTransitionError({
      code: 'INVALID_ARGUMENT',
      message: `setTopology: pattern must be one of ${COORDINATION_PATTERNS.join(', ')} (got ${describeValue(pattern)})`,
    });
  }
  if (hub !== undefined) requireAgent(space, hub, 'options.hub');
  return transition(space, (draft) => {
    draft.coordinationGraph.topology = pattern;
    if (hub !== undefined) draft.coordinationGraph.hub = hub as string;
    relayTopology(draft);
  });
}

export function updateMetrics(
  space: MultiAgentSpace,
  metrics: PerformanceMetrics,
): MultiAgentSpace {
  requireSpace(space, 'updateMetrics');
  const parsed = parseOrThrow(performanceMetricsSchema, metrics, {
    code: 'INVALID_ARGUMENT',
    subject: 'updateMetrics',
    error: fail,
  });
  return transition(space, (draft) => {
    draft.performanceMetrics = parsed;
  });
}

export function updateResourcePool(
  space: MultiAgentSpace,
  pool: Partial<ResourcePool>,
): MultiAgentSpace {
  requireSpace(space, 'updateResourcePool');
  const parsed = parseOrThrow(resourcePoolSchema.partial(), pool, {
    code: 'INVALID_ARGUMENT',
    subject: 'updateResourcePool',
    error: fail,
  });
  return transition(space, (draft) => {
    Object.assign(draft.resourcePool, definedOnly(parsed));
  });
}

export function addScalingPolicy(
  space: MultiAgentSpace,
  policy: ScalingPolicyInput,
): MultiAgentSpace {
  requireSpace(space, 'addScalingPolicy');
  const parsed = parseOrThrow(scalingPolicySchema, policy, {
    code: 'INVALID_ARGUMENT',
    subject: 'addScalingPolicy',
    error: fail,
  });
  requireAgent(space, parsed.agent, 'agent');
  return transition(space, (draft) => {
    draft.scalingPolicies = [
      ...draft.scalingPolicies.filter((p) => p.agent !== parsed.agent),
      parsed,
    ];
  });
}

/** Appends an adaptation event to the history. Event ids are unique within a space. */
export function recordAdaptation(
  space: MultiAgentSpace,
  event: AdaptationEventInput,
): MultiAgentSpace {
  requireSpace(space, 'recordAdaptation');
  const parsed = parseOrThrow(adaptationEventSchema, event, {
    code: 'INVALID_ARGUMENT',
    subject: 'recordAdaptation',
    error: fail,
  });
  if (space.adaptationHistory.some((e) => e.id === parsed.id)) {
    throw new SpaceTransitionError({
      code: 'INVALID_ARGUMENT',
      message: `recordAdaptation: event id ${describeValue(parsed.id)} is already in the history`,
    });
  }
  return transition(space, (draft) => {
    draft.adaptationHistory.push(castDraft(parsed));
  });
}

/** The event with this id, or a `SPACE_EVENT_UNKNOWN` error. */
export function findAdaptation(space: MultiAgentSpace, eventId: string): AdaptationEvent {
  requireSpace(space, 'findAdaptation');
  const found = space.adaptationHistory.find((e) => e.id === eventId);
  if (found === undefined) {
    throw new SpaceTransitionError({
      code: 'SPACE_EVENT_UNKNOWN',
      message: `no adaptation event ${describeValue(eventId)} in space ${describeValue(space.id)}`,
    });
  }
  return found;
}
