import { z } from 'zod';
import { NETWORK_PRIORITIES } from './agent-config';
import { agentIdSchema } from './agent-ref';
import { COORDINATION_PATTERNS, type CoordinationPattern } from './coordination-graph';
import type { AgentDirective } from './directive';
import { describeValue, OrchestrationError } from './errors';
import { idRecord } from './internal/id-record';
import { parseOrThrow } from './internal/parse';
import type { PerformanceMetrics } from './metrics';
import type { CoordinationContext, StrategyContext } from './strategies';
import type { JsonValue, Variable } from './variable';
import { choice } from './variables/choice';
import { demos } from './variables/demos';
import { float } from './variables/float';

export const VARIABLE_SCOPES = ['local', 'global', 'cluster', 'federation'] as const;
export type VariableScope = (typeof VARIABLE_SCOPES)[number];

export const ORCHESTRATION_TYPES = [
  'agent_selection',
  'resource_allocation',
  'communication_topology',
  'adaptation_rate',
  'performance_threshold',
  'coordination_pattern',
  'custom',
] as const;
export type OrchestrationType = (typeof ORCHESTRATION_TYPES)[number];

/** Turns a value of the variable into directives for its agents. May be async. */
export type CoordinationFunction = (
  variable: OrchestrationVariable,
  value: JsonValue,
  context: CoordinationContext,
) => readonly AgentDirective[] | Promise<readonly AgentDirective[]>;

/** Returns the variable adjusted to measured performance. May be async. */
export type AdaptationFunction = (
  variable: OrchestrationVariable,
  metrics: PerformanceMetrics,
  context: StrategyContext,
) => OrchestrationVariable | Promise<OrchestrationVariable>;

export const RESOURCE_LIMITS = [
  'memory_bound',
  'cpu_bound',
  'token_bound',
  'cost_bound',
  'none',
] as const;
export type ResourceLimit = (typeof RESOURCE_LIMITS)[number];

/**
 * What a running space holds at every instant for the variable's agents, starts and swaps
 * included: a start that would break a constraint fails with a typed error.
 */
export const orchestrationConstraintsSchema = z.object({
  /** Agents that may run at once under this variable. */
  maxConcurrent: z.number().int().positive().optional(),
  /** Fewest agents the variable may select. */
  minAgents: z.number().int().nonnegative().optional(),
  /**
   * The resource that bounds the agents: their declared `resources` (memory, cpu weight, token or
   * cost budget) summed over those running may not exceed the variable's `resourceRequirements`
   * of that resource (`memory`, `cpuWeight`, `tokens`, `cost`).
   */
  resourceLimit: z.enum(RESOURCE_LIMITS).optional(),
});
export type OrchestrationConstraints = z.infer<typeof orchestrationConstraintsSchema>;

/** What the variable's agents may hold together; the bound a `resourceLimit` enforces. */
export const orchestrationResourcesSchema = z.object({
  memory: z.number().nonnegative().default(0),
  cpuWeight: z.number().positive().default(1),
  networkPriority: z.enum(NETWORK_PRIORITIES).default('normal'),
  /** LM tokens the agents' budgets may add up to (for `token_bound`). */
  tokens: z.number().nonnegative().optional(),
  /** Money the agents' budgets may add up to (for `cost_bound`). */
  cost: z.number().nonnegative().optional(),
});
export type OrchestrationResources = z.output<typeof orchestrationResourcesSchema>;

export const FAULT_TOLERANCE_STRATEGIES = [
  'graceful_degradation',
  'fail_fast',
  'retry',
  'failover',
] as const;
export type FaultToleranceStrategy = (typeof FAULT_TOLERANCE_STRATEGIES)[number];

const faultToleranceObjectSchema = z.object({
  /**
   * What a running space does when one of the variable's agents keeps failing:
   * - `graceful_degradation`: restart it up to `maxRetries` times within the space's restart
   *   period, then take it out of service (status `failed`, out of the topology) while the others
   *   keep working; its queued messages go to a running peer the variable selects, or are
   *   reported in a `mail-dead-lettered` event;
   * - `failover`: the same, then set the variable to `fallbackValue` (for an agent selection
   *   without one: the failed agent's place goes to the next agent of the variable) and
   *   re-coordinate; a coordination that fails under failover is retried at `fallbackValue`;
   * - `retry`: restart it with backoff up to `maxRetries` times, then fail the team (escalate);
   * - `fail_fast`: the first failure fails the team (escalate), no restart.
   */
  strategy: z.enum(FAULT_TOLERANCE_STRATEGIES).default('graceful_degradation'),
  /** Restarts within the space's `faultRecovery.periodMs` (default: its `maxRestarts`). */
  maxRetries: z.number().int().nonnegative().optional(),
  /** The value `failover` switches the variable to. */
  fallbackValue: z.custom<JsonValue>().optional(),
});

/**
 * How a running space handles failures of the variable's agents: one of the strategies by name
 * (the card's `'graceful_degradation'`), or an object with details.
 */
export const faultToleranceSchema = z.union([
  z.enum(FAULT_TOLERANCE_STRATEGIES).transform((strategy) => ({ strategy })),
  faultToleranceObjectSchema,
]);
export type FaultTolerance = z.output<typeof faultToleranceObjectSchema>;
export type FaultToleranceInput = z.input<typeof faultToleranceSchema>;

export const distributionStrategySchema = z.object({
  /** Where agents go when a cluster places them. */
  placement: z.enum(['local', 'spread', 'pack', 'pinned']).default('local'),
  nodes: z.array(z.string().min(1)).default([]),
  replicas: z.number().int().positive().default(1),
});
export type DistributionStrategy = z.output<typeof distributionStrategySchema>;

export const AGGREGATIONS = ['sum', 'average', 'max', 'min', 'percentile', 'custom'] as const;
export const ALERT_ACTIONS = [
  'log',
  'notify',
  'auto_scale',
  'restart_agent',
  'rebalance_resources',
] as const;

export const telemetryConfigSchema = z.object({
  collectionIntervalMs: z.number().int().positive().default(1_000),
  metricsToTrack: z.array(z.string().min(1)).default([]),
  aggregation: z.record(z.string(), z.enum(AGGREGATIONS)).default({}),
  alertThresholds: z
    .record(
      z.string(),
      z.object({ warning: z.number(), critical: z.number(), action: z.enum(ALERT_ACTIONS) }),
    )
    .default({}),
  storage: z
    .object({
      backend: z.enum(['memory', 'sqlite']).default('memory'),
      retentionMs: z.number().positive().optional(),
    })
    .default({ backend: 'memory' }),
});
export type TelemetryConfig = z.output<typeof telemetryConfigSchema>;

/**
 * A variable whose value coordinates agents: which of them run, how they talk, what they may spend.
 * Its `domain` is an ordinary variable, so optimizers search orchestration values exactly like they
 * search a temperature.
 */
export interface OrchestrationVariable {
  readonly id: string;
  readonly description: string;
  readonly scope: VariableScope;
  readonly type: OrchestrationType;
  /** The agents this variable affects. */
  readonly agents: readonly string[];
  /** The values the variable may take. */
  readonly domain: Variable;
  /** The current value; always valid in `domain`. */
  readonly value: JsonValue;
  /** A function, the name of a registered `coordination` strategy, or the type's built-in. */
  readonly coordination?: CoordinationFunction | string;
  /** A function, the name of a registered `adaptation` strategy, or the type's built-in. */
  readonly adaptation?: AdaptationFunction | string;
  readonly constraints: OrchestrationConstraints;
  readonly resourceRequirements: OrchestrationResources;
  /** How a running space handles the agents' failures; absent: the space's `faultRecovery`. */
  readonly faultTolerance?: FaultTolerance;
  /**
   * Where a cluster places the agents; absent unless given. A single-process runtime refuses a
   * variable that has one (or a `cluster` / `federation` scope) with `CLUSTER_REQUIRED`.
   */
  readonly distributionStrategy?: DistributionStrategy;
  /** Type-specific settings the built-in coordination reads (a star's hub, allocation plans). */
  readonly settings: Readonly<Record<string, JsonValue>>;
}

const functionOrName = z.union([
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'must be a function'),
  z.string().min(1),
]);

const commonOptionsSchema = z.object({
  agents: z.array(agentIdSchema).min(1, 'needs at least one agent'),
  description: z.string().default(''),
  scope: z.enum(VARIABLE_SCOPES).default('local'),
  coordination: functionOrName.optional(),
  adaptation: functionOrName.optional(),
  constraints: orchestrationConstraintsSchema.default({}),
  resourceRequirements: orchestrationResourcesSchema.default({
    memory: 0,
    cpuWeight: 1,
    networkPriority: 'normal',
  }),
  faultTolerance: faultToleranceSchema.optional(),
  distributionStrategy: distributionStrategySchema.optional(),
  // Read only to refuse it (see `build`): nothing on a variable could act on a monitor's config.
  telemetry: z.unknown().optional(),
});

/** Options every orchestration constructor takes. */
export type OrchestrationOptions = Omit<
  z.input<typeof commonOptionsSchema>,
  'coordination' | 'adaptation' | 'telemetry'
> & {
  coordination?: CoordinationFunction | string;
  adaptation?: AdaptationFunction | string;
};

const idSchema = z
  .string()
  .min(1, 'must not be empty')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may hold only letters, digits and _ . : -');

/** The field of `resourceRequirements` (and of each agent's `resources`) a limit bounds. */
export function limitedResource(
  limit: ResourceLimit,
): 'memory' | 'cpuWeight' | 'tokens' | 'cost' | undefined {
  switch (limit) {
    case 'memory_bound':
      return 'memory';
    case 'cpu_bound':
      return 'cpuWeight';
    case 'token_bound':
      return 'tokens';
    case 'cost_bound':
      return 'cost';
    case 'none':
      return undefined;
  }
}

function build(
  type: OrchestrationType,
  id: unknown,
  options: unknown,
  extra: z.ZodObject,
  finish: (
    common: z.output<typeof commonOptionsSchema>,
    own: Record<string, unknown>,
  ) => { domain: Variable; value?: JsonValue; settings?: Record<string, JsonValue> },
): OrchestrationVariable {
  const subject = `${type} ${describeValue(id)}`;
  const fail = (o: { code: string; message: string }) => new OrchestrationError(o);
  const checkedId = parseOrThrow(idSchema, id, {
    code: 'ORCHESTRATION_INVALID_OPTIONS',
    subject,
    prefix: 'id',
    error: fail,
  });
  const parsed = parseOrThrow(commonOptionsSchema.extend(extra.shape).strict(), options, {
    code: 'ORCHESTRATION_INVALID_OPTIONS',
    subject,
    error: fail,
  }) as z.output<typeof commonOptionsSchema> & Record<string, unknown>;
  if (parsed.telemetry !== undefined) {
    // The card's telemetry_config is a monitor's configuration: a monitor watches a running
    // space, so it belongs to `startMonitoring`, which takes exactly this shape.
    throw fail({
      code: 'ORCHESTRATION_UNSUPPORTED_OPTION',
      message: `${subject}: telemetry ${describeValue(parsed.telemetry)} is not an option of an orchestration variable; pass it to startMonitoring(runningSpace, telemetry) from @varplane/telemetry, which watches the running space with it`,
    });
  }
  const limit = parsed.constraints.resourceLimit;
  const bound = limit === undefined ? undefined : limitedResource(limit);
  if (bound !== undefined && !(Number(parsed.resourceRequirements[bound]) > 0)) {
    throw fail({
      code: 'ORCHESTRATION_INVALID_OPTIONS',
      message: `${subject}: constraints.resourceLimit ${describeValue(limit)} needs a positive resourceRequirements.${bound} to bound the agents by (got ${describeValue(parsed.resourceRequirements[bound])})`,
    });
  }
  const { domain, value, settings } = finish(parsed, parsed);
  const variable: OrchestrationVariable = {
    id: checkedId,
    description: parsed.description,
    scope: parsed.scope,
    type,
    agents: parsed.agents,
    domain,
    value: value ?? (domain.default as JsonValue),
    ...(parsed.coordination === undefined
      ? {}
      : { coordination: parsed.coordination as CoordinationFunction | string }),
    ...(parsed.adaptation === undefined
      ? {}
      : { adaptation: parsed.adaptation as AdaptationFunction | string }),
    constraints: parsed.constraints,
    resourceRequirements: parsed.resourceRequirements,
    ...(parsed.faultTolerance === undefined
      ? {}
      : { faultTolerance: parsed.faultTolerance as FaultTolerance }),
    ...(parsed.distributionStrategy === undefined
      ? {}
      : { distributionStrategy: parsed.distributionStrategy as DistributionStrategy }),
    settings: settings ?? {},
  };
  return Object.freeze(variable);
}

/**
 * Chooses which of `agents` are active. The value is the list of selected agent ids (at least
 * `constraints.minAgents`, default 1, at most `constraints.maxConcurrent`).
 *
 * @example
 * const coder = agentSelection('coder', {
 *   agents: ['python_coder', 'typescript_coder', 'rust_coder'],
 *   default: ['python_coder'],
 *   constraints: { maxConcurrent: 2 },
 * });
 */
export function agentSelection(
  id: string,
  options: OrchestrationOptions & { default?: readonly string[] },
): OrchestrationVariable {
  return build(
    'agent_selection',
    id,
    options,
    z.object({ default: z.array(agentIdSchema).optional() }),
    (common, own) => {
      const minAgents = common.constraints.minAgents ?? 1;
      const maxCount = common.constraints.maxConcurrent ?? common.agents.length;
      const initial =
        (own.default as string[] | undefined) ?? common.agents.slice(0, Math.max(1, minAgents));
      const domain = demos(String(id), {
        description: `agents selected by ${String(id)}`,
        maxCount,
        pool: common.agents,
        schema: z.enum(common.agents as [string, ...string[]]),
        default: initial,
        constraints: [
          {
            message: `must select at least ${minAgents} agent(s), without repeats`,
            check: (value) =>
              Array.isArray(value) &&
              value.length >= minAgents &&
              new Set(value).size === value.length,
          },
        ],
      });
      return { domain };
    },
  );
}

/**
 * Splits a resource among `agents` by named plans; the value is a plan's name. The plan `equal`
 * (an even split) always exists.
 *
 * @example
 * const tokens = resourceAllocation('token_split', {
 *   agents: ['planner', 'coder'],
 *   resource: 'tokens',
 *   total: 100_000,
 *   plans: { coder_heavy: { planner: 0.2, coder: 0.8 } },
 * });
 */
export function resourceAllocation(
  id: string,
  options: OrchestrationOptions & {
    resource: string;
    total: number;
    plans?: Readonly<Record<string, Readonly<Record<string, number>>>>;
    default?: string;
  },
): OrchestrationVariable {
  const extra = z.object({
    resource: z.string().min(1),
    total: z.number().positive(),
    plans: idRecord(idRecord(z.number().nonnegative()), { key: z.string().min(1) }).default(() =>
      Object.create(null),
    ),
    default: z.string().optional(),
  });
  return build('resource_allocation', id, options, extra, (common, own) => {
    const plans = own.plans as Record<string, Record<string, number>>;
    const even = Object.fromEntries(
      common.agents.map((agent) => [agent, 1 / common.agents.length]),
    );
    const all: Record<string, Record<string, number>> = { equal: even, ...plans };
    for (const [name, plan] of Object.entries(all)) {
      const total = Object.values(plan).reduce((sum, share) => sum + share, 0);
      const stranger = Object.keys(plan).find((agent) => !common.agents.includes(agent));
      if (stranger !== undefined || !(total > 0)) {
        throw new OrchestrationError({
          code: 'ORCHESTRATION_INVALID_OPTIONS',
          message: `resource_allocation ${describeValue(id)}: plans.${name} must give positive shares to the variable's agents only (got ${describeValue(plan)})`,
        });
      }
    }
    const names = Object.keys(all);
    const domain = choice(String(id), {
      description: `allocation plan of ${String(own.resource)}`,
      choices: names,
      default: (own.default as string | undefined) ?? 'equal',
    });
    return {
      domain,
      settings: { resource: own.resource as string, total: own.total as number, plans: all },
    };
  });
}

/**
 * How `agents` talk: one of `patterns` (broadcast, ring, star, mesh). A star or broadcast
 * centres on `hub` (the first agent by default).
 */
export function communicationTopology(
  id: string,
  options: OrchestrationOptions & {
    patterns?: readonly CoordinationPattern[];
    default?: CoordinationPattern;
    hub?: string;
  },
): OrchestrationVariable {
  const extra = z.object({
    patterns: z
      .array(z.enum(COORDINATION_PATTERNS))
      .min(1)
      .default(['broadcast', 'ring', 'star', 'mesh']),
    default: z.enum(COORDINATION_PATTERNS).optional(),
    hub: agentIdSchema.optional(),
  });
  return build('communication_topology', id, options, extra, (common, own) => {
    const patterns = own.patterns as CoordinationPattern[];
    const hub = (own.hub as string | undefined) ?? (common.agents[0] as string);
    if (!common.agents.includes(hub)) {
      throw new OrchestrationError({
        code: 'ORCHESTRATION_INVALID_OPTIONS',
        message: `communication_topology ${describeValue(id)}: hub must be one of the agents (got ${describeValue(hub)})`,
      });
    }
    const domain = choice(String(id), {
      description: 'communication topology',
      choices: patterns,
      default:
        (own.default as CoordinationPattern | undefined) ?? (patterns[0] as CoordinationPattern),
    });
    return { domain, settings: { hub } };
  });
}

type FloatOrchestrationOptions = OrchestrationOptions & {
  range?: readonly [number, number];
  default?: number;
};

const floatExtra = z.object({
  range: z.tuple([z.number(), z.number()]).default([0, 1]),
  default: z.number().optional(),
});

// A float-valued orchestration variable; `fallback` places the default inside the range.
function floatOrchestration(
  type: 'adaptation_rate' | 'performance_threshold',
  id: string,
  options: FloatOrchestrationOptions,
  fallback: (range: readonly [number, number]) => number,
): OrchestrationVariable {
  return build(type, id, options, floatExtra, (_common, own) => {
    const range = own.range as [number, number];
    const domain = float(String(id), {
      description: type.replace('_', ' '),
      range,
      default: (own.default as number | undefined) ?? fallback(range),
    });
    return { domain };
  });
}

/** How fast agents adapt, a float in `range` (default [0, 1]; default value 0.1, kept in range). */
export function adaptationRate(
  id: string,
  options: FloatOrchestrationOptions,
): OrchestrationVariable {
  return floatOrchestration('adaptation_rate', id, options, ([min, max]) =>
    Math.min(max, Math.max(min, 0.1)),
  );
}

/**
 * The score in `range` (default [0, 1]) below which an agent is reconfigured. The default value
 * sits at 70% of the range.
 */
export function performanceThreshold(
  id: string,
  options: FloatOrchestrationOptions,
): OrchestrationVariable {
  return floatOrchestration(
    'performance_threshold',
    id,
    options,
    ([min, max]) => min + 0.7 * (max - min),
  );
}

/** How a task flows through `agents`: one of `patterns` (broadcast, ring, star, mesh). */
export function coordinationPattern(
  id: string,
  options: OrchestrationOptions & {
    patterns?: readonly CoordinationPattern[];
    default?: CoordinationPattern;
  },
): OrchestrationVariable {
  const extra = z.object({
    patterns: z
      .array(z.enum(COORDINATION_PATTERNS))
      .min(1)
      .default(['broadcast', 'ring', 'star', 'mesh']),
    default: z.enum(COORDINATION_PATTERNS).optional(),
  });
  return build('coordination_pattern', id, options, extra, (_common, own) => {
    const patterns = own.patterns as CoordinationPattern[];
    const domain = choice(String(id), {
      description: 'coordination pattern',
      choices: patterns,
      default:
        (own.default as CoordinationPattern | undefined) ?? (patterns[0] as CoordinationPattern),
    });
    return { domain };
  });
}

/** Anything else: you bring the domain and the coordination. */
export function custom(
  id: string,
  options: OrchestrationOptions & { domain: Variable; coordination: CoordinationFunction | string },
): OrchestrationVariable {
  const extra = z.object({
    domain: z.custom<Variable>(
      (v) => typeof v === 'object' && v !== null && 'kind' in v && 'id' in v,
      'must be a variable',
    ),
  });
  return build('custom', id, options, extra, (common, own) => {
    if (common.coordination === undefined) {
      throw new OrchestrationError({
        code: 'ORCHESTRATION_INVALID_OPTIONS',
        message: `custom ${describeValue(id)}: coordination is required (a function or a registered strategy name)`,
      });
    }
    return { domain: own.domain as Variable };
  });
}
