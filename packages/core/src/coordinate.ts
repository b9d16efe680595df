import { z } from 'zod';
import { type Clock, systemClock } from './clock';
import { type CoordinationPattern, neighboursOf, topologyEdges } from './coordination-graph';
import { type AgentDirective, agentDirectiveSchema, directive } from './directive';
import { describeValue, formatIssues, OrchestrationError } from './errors';
import { guardInput } from './internal/guard';
import { idRecord } from './internal/id-record';
import { parseOrThrow } from './internal/parse';
import { type PerformanceMetrics, performanceMetricsSchema } from './metrics';
import type { OrchestrationVariable } from './orchestration-variable';
import { createRandom, type Random } from './random';
import type { CoordinationContext, StrategyContext } from './strategies';
import type { StrategyRegistry } from './strategy-registry';
import type { JsonValue, Variable } from './variable';
import { createVariableSpace, type VariableSpace } from './variable-space';

export interface OrchestrationRunOptions {
  /** Where named coordination and adaptation strategies are looked up. */
  registry?: StrategyRegistry;
  random?: Random;
  clock?: Clock;
  /** A coordination or adaptation that takes longer fails with a typed error (default 5,000 ms). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
/** Node's timers fire at once past 2^31 - 1 ms, so no longer deadline can be kept. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const runOptionsSchema = z.object({
  registry: z
    .custom<StrategyRegistry>(
      (value) => typeof (value as StrategyRegistry | undefined)?.get === 'function',
      'must be a strategy registry from createStrategyRegistry()',
    )
    .optional(),
  random: z
    .custom<Random>(
      (value) => typeof (value as Random | undefined)?.next === 'function',
      'must be a Random from createRandom()',
    )
    .optional(),
  clock: z
    .custom<Clock>(
      (value) =>
        typeof (value as Clock | undefined)?.setTimeout === 'function' &&
        typeof (value as Clock).clearTimeout === 'function',
      'must be a Clock (systemClock, createManualClock())',
    )
    .optional(),
  timeoutMs: z.number().positive().max(MAX_TIMEOUT_MS).optional(),
});

interface RunSettings {
  registry: StrategyRegistry | undefined;
  random: Random | undefined;
  clock: Clock;
  timeoutMs: number;
}

/** The run options, read once: a getter that throws or a clock that is not one is refused. */
function runSettings(
  subject: string,
  variable: OrchestrationVariable,
  options: unknown,
): RunSettings {
  const parsed = parseOrThrow(runOptionsSchema, options, {
    code: 'ORCHESTRATION_INVALID_OPTIONS',
    subject: `${subject} ${describeValue(variable.id)}`,
    prefix: 'options',
    error: (o) => new OrchestrationError({ ...o, variableId: variable.id }),
  });
  return {
    registry: parsed.registry,
    random: parsed.random,
    clock: parsed.clock ?? systemClock,
    timeoutMs: parsed.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
}

// One single-variable space per domain, built once: validating a value is then a lookup and a check.
const domainSpaces = new WeakMap<object, VariableSpace>();

function domainSpace(variable: OrchestrationVariable): VariableSpace {
  let space = domainSpaces.get(variable.domain);
  if (space === undefined) {
    // A domain's condition and dependencies name other variables of the team (a star's hub
    // exists only under the star topology); the space of the whole team judges those, and a
    // space of this variable alone would refuse them as unknown.
    const { condition: _condition, ...rest } = variable.domain;
    space = createVariableSpace([{ ...rest, dependencies: [] } as Variable]);
    domainSpaces.set(variable.domain, space);
  }
  return space;
}

/**
 * Checks `value` against the variable's domain and returns it normalized (floats rounded to their
 * precision). Throws `ORCHESTRATION_INVALID_VALUE` naming the variable and the value.
 */
export function checkOrchestrationValue(
  variable: OrchestrationVariable,
  value: unknown,
): JsonValue {
  requireVariable('checkOrchestrationValue', variable);
  const result = domainSpace(variable).check({ [variable.domain.id]: value });
  if (!result.ok) {
    throw new OrchestrationError({
      code: 'ORCHESTRATION_INVALID_VALUE',
      variableId: variable.id,
      message: `${variable.type} ${describeValue(variable.id)}: ${formatIssues(result.issues)}`,
    });
  }
  return result.configuration[variable.domain.id] as JsonValue;
}

/** Refuses anything but an orchestration variable, naming the operation and the value. */
function requireVariable(
  subject: string,
  variable: unknown,
): asserts variable is OrchestrationVariable {
  let ok = false;
  try {
    const candidate = variable as Partial<OrchestrationVariable> | null;
    ok =
      typeof candidate === 'object' &&
      candidate !== null &&
      typeof candidate.id === 'string' &&
      typeof candidate.type === 'string' &&
      typeof candidate.domain === 'object' &&
      candidate.domain !== null &&
      Array.isArray(candidate.agents);
  } catch {
    // A Proxy or a throwing getter is not a variable either.
  }
  if (!ok) {
    throw new OrchestrationError({
      code: 'ORCHESTRATION_INVALID_OPTIONS',
      message: `${subject}: variable must be an orchestration variable made by agentSelection, resourceAllocation... (got ${describeValue(variable)})`,
    });
  }
}

/**
 * Runs `work` with a deadline and turns whatever it throws into an `OrchestrationError`. The
 * deadline aborts the signal handed to strategies, so a cooperative strategy stops early too.
 */
async function contained<T>(
  code: 'COORDINATION_FAILED' | 'ADAPTATION_FAILED',
  variable: OrchestrationVariable,
  clock: Clock,
  timeoutMs: number,
  work: (signal: AbortSignal) => T | Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      controller.abort();
      reject(
        new OrchestrationError({
          code,
          variableId: variable.id,
          message: `${variable.type} ${describeValue(variable.id)}: timed out after ${timeoutMs} ms`,
        }),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => work(controller.signal)), deadline]);
  } catch (error) {
    if (OrchestrationError.isInstance(error, code)) throw error;
    throw new OrchestrationError({
      code,
      variableId: variable.id,
      message: `${variable.type} ${describeValue(variable.id)}: ${error instanceof Error ? error.message : describeValue(error)}`,
      cause: error,
    });
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}

function strategyContext(settings: RunSettings, signal: AbortSignal): StrategyContext {
  return { random: settings.random ?? createRandom(0), clock: settings.clock, signal };
}

const directivesSchema = z.array(agentDirectiveSchema);

const contextSchema = z.looseObject({
  agents: idRecord(z.looseObject({ status: z.string().optional() })),
});

/**
 * Turns a value of an orchestration variable into agent directives, sorted by nothing (the runtime
 * applies them by priority). The value is checked against the variable's domain first; the
 * coordination (a function, a registered `coordination` strategy, or the type's built-in) runs
 * contained: a throw, a timeout or a malformed result is an `OrchestrationError`.
 *
 * Built-ins: `agent_selection` stops the agents it no longer selects (`drain: true`: after their
 * queued work), then starts the selected ones (stops first, so `maxConcurrent` holds in a swap); `resource_allocation`
 * hands each agent its plan's share; `communication_topology` sends each agent its neighbours;
 * `adaptation_rate` and `coordination_pattern` adjust parameters; `performance_threshold`
 * reconfigures agents whose measured performance is below the value.
 *
 * @example
 * const directives = await coordinate(topology, 'ring', { agents: { a: ..., b: ... } });
 */
export async function coordinate(
  variable: OrchestrationVariable,
  value: unknown,
  context: CoordinationContext,
  options: OrchestrationRunOptions = {},
): Promise<AgentDirective[]> {
  requireVariable('coordinate', variable);
  const settings = runSettings('coordinate', variable, options);
  const checked = checkOrchestrationValue(variable, value);
  const agents = parseOrThrow(contextSchema, context, {
    code: 'ORCHESTRATION_INVALID_OPTIONS',
    subject: `coordinate ${describeValue(variable.id)}`,
    prefix: 'context',
    error: (o) => new OrchestrationError({ ...o, variableId: variable.id }),
  }).agents;
  const produced = await contained(
    'COORDINATION_FAILED',
    variable,
    settings.clock,
    settings.timeoutMs,
    (signal) => {
      const how = variable.coordination;
      if (typeof how === 'function') return how(variable, checked, context);
      if (typeof how === 'string') {
        const registry = requireRegistry(settings, variable, how, 'coordination');
        return registry
          .get('coordination', how)
          .coordinate(variable, checked, context, strategyContext(settings, signal));
      }
      return builtinCoordination(variable, checked, context);
    },
  );
  const directives = parseOrThrow(directivesSchema, produced, {
    code: 'COORDINATION_INVALID_RESULT',
    subject: `${variable.type} ${describeValue(variable.id)}: coordination returned malformed directives`,
    prefix: 'directives',
    error: (o) => new OrchestrationError({ ...o, variableId: variable.id }),
  });
  const known = new Set([...variable.agents, ...Object.keys(agents)]);
  const stranger = directives.find((d) => !known.has(d.agent));
  if (stranger !== undefined) {
    throw new OrchestrationError({
      code: 'COORDINATION_INVALID_RESULT',
      variableId: variable.id,
      message: `${variable.type} ${describeValue(variable.id)}: coordination addressed an unknown agent (got ${describeValue(stranger.agent)})`,
    });
  }
  return directives;
}

/**
 * Returns the variable adapted to measured performance: same id and type, a value still valid in
 * its domain. The adaptation runs contained like coordination.
 *
 * Built-ins: `agent_selection` keeps as many agents, choosing the best performers;
 * `adaptation_rate` halves after poor adaptations and grows by a quarter after good ones;
 * `performance_threshold` moves a tenth of the way toward the team's aggregate performance.
 * Other types are returned unchanged.
 */
export async function adapt(
  variable: OrchestrationVariable,
  metrics: PerformanceMetrics,
  options: OrchestrationRunOptions = {},
): Promise<OrchestrationVariable> {
  requireVariable('adapt', variable);
  const settings = runSettings('adapt', variable, options);
  const measured = parseOrThrow(performanceMetricsSchema, metrics, {
    code: 'ADAPTATION_FAILED',
    subject: `${variable.type} ${describeValue(variable.id)}: metrics are malformed`,
    prefix: 'metrics',
    error: (o) => new OrchestrationError({ ...o, variableId: variable.id }),
  });
  const adapted = await contained(
    'ADAPTATION_FAILED',
    variable,
    settings.clock,
    settings.timeoutMs,
    (signal) => {
      const how = variable.adaptation;
      if (typeof how === 'function')
        return how(variable, measured, strategyContext(settings, signal));
      if (typeof how === 'string') {
        const registry = requireRegistry(settings, variable, how, 'adaptation');
        return registry
          .get('adaptation', how)
          .adapt(variable, measured, strategyContext(settings, signal));
      }
      return builtinAdaptation(variable, measured);
    },
  );
  const invalid = (why: string) =>
    new OrchestrationError({
      code: 'ADAPTATION_INVALID_RESULT',
      variableId: variable.id,
      message: `${variable.type} ${describeValue(variable.id)}: adaptation ${why}`,
    });
  if (typeof adapted !== 'object' || adapted === null)
    throw invalid(`returned ${describeValue(adapted)}, not a variable`);
  // What a user's adaptation returned is read once, guarded: a Proxy is garbage like any other.
  const result = guardInput(
    `${variable.type} ${describeValue(variable.id)}`,
    'adaptation result',
    adapted,
    () => ({ ...adapted }),
    {
      code: 'ADAPTATION_INVALID_RESULT',
      error: (o) => new OrchestrationError({ ...o, variableId: variable.id }),
    },
  );
  if (
    result.id !== variable.id ||
    result.type !== variable.type ||
    result.domain !== variable.domain
  ) {
    throw invalid(
      `must keep the variable's id, type and domain (got id ${describeValue(result.id)}, type ${describeValue(result.type)})`,
    );
  }
  try {
    const value = checkOrchestrationValue(variable, result.value);
    return value === result.value ? adapted : Object.freeze({ ...result, value });
  } catch (error) {
    throw invalid(`returned an invalid value: ${(error as Error).message}`);
  }
}

function requireRegistry(
  options: RunSettings,
  variable: OrchestrationVariable,
  name: string,
  kind: 'coordination' | 'adaptation',
): StrategyRegistry {
  if (options.registry === undefined) {
    throw new OrchestrationError({
      code: kind === 'coordination' ? 'COORDINATION_FAILED' : 'ADAPTATION_FAILED',
      variableId: variable.id,
      message: `${variable.type} ${describeValue(variable.id)}: ${kind} names strategy ${describeValue(name)} but no registry was given`,
    });
  }
  return options.registry;
}

const isRunning = (status: string | undefined) => status === 'active' || status === 'starting';

function builtinCoordination(
  variable: OrchestrationVariable,
  value: JsonValue,
  context: CoordinationContext,
): AgentDirective[] {
  const { agents } = variable;
  switch (variable.type) {
    case 'agent_selection': {
      const selected = new Set(value as string[]);
      const out: AgentDirective[] = [];
      // Stops outrank starts, so a swap never runs more agents than the selection allows.
      for (const agent of agents) {
        const running = isRunning(context.agents[agent]?.status);
        if (selected.has(agent) && !running)
          out.push(directive(agent, 'start', { selectedBy: variable.id }, { priority: 70 }));
        if (!selected.has(agent) && running)
          out.push(
            directive(agent, 'stop', { selectedBy: variable.id, drain: true }, { priority: 80 }),
          );
      }
      return out;
    }
    case 'resource_allocation': {
      const plans = variable.settings.plans as Record<string, Record<string, number>>;
      const plan = Object.hasOwn(plans, value as string) ? (plans[value as string] ?? {}) : {};
      const sum = Object.values(plan).reduce((a, b) => a + b, 0);
      const total = variable.settings.total as number;
      return agents.map((agent) => {
        const share = (Object.hasOwn(plan, agent) ? (plan[agent] ?? 0) : 0) / sum;
        return directive(
          agent,
          'adjustParameters',
          { resource: variable.settings.resource, share, amount: share * total },
          { priority: 60 },
        );
      });
    }
    case 'communication_topology': {
      const topology = value as CoordinationPattern;
      const hub = variable.settings.hub as string;
      const graph = {
        nodes: agents,
        edges: topologyEdges(topology, agents, { hub }),
        topology,
        hub,
      };
      return agents.map((agent) =>
        directive(
          agent,
          'updateCommunication',
          { topology, hub, neighbours: neighboursOf(graph, agent) },
          { priority: 90 },
        ),
      );
    }
    case 'adaptation_rate':
      return agents.map((agent) =>
        directive(agent, 'adjustParameters', { adaptationRate: value }, { priority: 40 }),
      );
    case 'coordination_pattern':
      return agents.map((agent) =>
        directive(agent, 'adjustParameters', { coordinationPattern: value }, { priority: 40 }),
      );
    case 'performance_threshold': {
      const scores = context.metrics?.individualPerformance ?? {};
      return agents
        .filter(
          (agent) =>
            Object.hasOwn(scores, agent) &&
            scores[agent] !== undefined &&
            (scores[agent] as number) < (value as number),
        )
        .map((agent) =>
          directive(
            agent,
            'reconfigure',
            { reason: 'below_threshold', performance: scores[agent], threshold: value },
            { priority: 70 },
          ),
        );
    }
    case 'custom':
      throw new OrchestrationError({
        code: 'COORDINATION_FAILED',
        variableId: variable.id,
        message: `custom ${describeValue(variable.id)}: has no coordination`,
      });
  }
}

function builtinAdaptation(
  variable: OrchestrationVariable,
  metrics: PerformanceMetrics,
): OrchestrationVariable {
  const withValue = (value: JsonValue) =>
    value === variable.value ? variable : { ...variable, value };
  const range = variable.domain.kind === 'float' ? variable.domain.range : ([0, 1] as const);
  const clamp = (x: number) => Math.min(range[1], Math.max(range[0], x));
  switch (variable.type) {
    case 'agent_selection': {
      const current = variable.value as string[];
      const score = (agent: string) =>
        Object.hasOwn(metrics.individualPerformance, agent)
          ? (metrics.individualPerformance[agent] ?? 0.5)
          : 0.5;
      // Stable ranking: ties keep the variable's own agent order.
      const ranked = [...variable.agents].sort((a, b) => score(b) - score(a));
      const next = ranked.slice(0, current.length);
      const same = next.length === current.length && next.every((agent) => current.includes(agent));
      return same ? variable : withValue(next);
    }
    case 'adaptation_rate': {
      const rate = variable.value as number;
      if (metrics.adaptationSuccessRate < 0.5) return withValue(clamp(rate * 0.5));
      if (metrics.adaptationSuccessRate > 0.8) return withValue(clamp(rate * 1.25));
      return variable;
    }
    case 'performance_threshold': {
      const threshold = variable.value as number;
      return withValue(clamp(threshold + 0.1 * (metrics.aggregatePerformance - threshold)));
    }
    default:
      return variable;
  }
}
