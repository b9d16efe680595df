import {
  agentConfigSchema,
  agentIdSchema,
  checkOrchestrationValue,
  coordinationEdgeSchema,
  faultRecoveryConfigSchema,
  type Issue,
  type MultiAgentSpace,
  type OrchestrationVariable,
  resourcePoolSchema,
  scalingPolicySchema,
  VarplaneError,
} from '@varplane/core';
import { describeValue, toErrorInfo } from '@varplane/core/internal';
import type { z } from 'zod';
import type { AnyBehaviour } from './behaviour';
import { ClusterRequiredError, SpaceValidationError } from './errors';
import { toIssues } from './internal/parse';

/** Per-instance statistics a scaling policy can watch. */
export const SCALING_METRICS = ['mailboxDepth', 'utilization', 'errorRate', 'restarts'] as const;
export type ScalingMetric = (typeof SCALING_METRICS)[number];

/**
 * A variable scoped to a cluster or federation, or with a distribution strategy, needs agents on
 * many machines: one process cannot honour it, so it says so instead of ignoring it.
 */
function refuseDistribution(space: MultiAgentSpace): void {
  for (const [id, variable] of Object.entries(space.orchestrationVariables ?? {})) {
    const scope = variable?.scope;
    const field =
      scope === 'cluster' || scope === 'federation'
        ? `scope ${describeValue(scope)}`
        : variable?.distributionStrategy !== undefined
          ? 'a distributionStrategy'
          : undefined;
    if (field === undefined) continue;
    throw new ClusterRequiredError(
      `startSpace ${describeValue(space.id)}: orchestrationVariables.${id} has ${field}, which needs agents on many machines; run the space with a transport from @varplane/cluster (options.transport), or use scope 'local' / 'global'`,
    );
  }
}

function checkTolerance(
  space: MultiAgentSpace,
  id: string,
  variable: OrchestrationVariable,
  issues: Issue[],
): void {
  const tolerance = variable.faultTolerance;
  if (tolerance === undefined) return;
  const path = `orchestrationVariables.${id}.faultTolerance`;
  const maxRestarts = space.faultRecovery?.maxRestarts;
  if (
    tolerance.maxRetries !== undefined &&
    typeof maxRestarts === 'number' &&
    tolerance.maxRetries > maxRestarts
  ) {
    issues.push({
      path: `${path}.maxRetries`,
      message: `must not exceed faultRecovery.maxRestarts (${maxRestarts}): the space's supervisor would give up first`,
      value: tolerance.maxRetries,
    });
  }
  if (tolerance.fallbackValue !== undefined) {
    try {
      checkOrchestrationValue(variable, tolerance.fallbackValue);
    } catch (error) {
      issues.push({
        path: `${path}.fallbackValue`,
        message: (error as Error).message,
        value: tolerance.fallbackValue,
      });
    }
  }
}

/** The array at `path` (none when left out); anything else is an issue and no items. */
function listAt<T>(value: readonly T[] | undefined, path: string, issues: Issue[]): readonly T[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  issues.push({ path, message: 'expected an array', value });
  return [];
}

/**
 * Checks that `space` can run with `behaviours`: every part well-formed, every agent's behaviour
 * given, every reference (variables, edges, policies, fallbacks) to a registered agent, every
 * variable's value in its domain, every scaling metric one the runtime measures. Throws a
 * `SpaceValidationError` (code `SPACE_INVALID`) listing every problem with its path.
 */
export function validateSpace(
  space: MultiAgentSpace,
  behaviours: Readonly<Record<string, AnyBehaviour>>,
  options: { distributed?: boolean } = {},
): void {
  if (typeof space !== 'object' || space === null) {
    throw new SpaceValidationError(undefined, [
      { path: '', message: 'expected a MultiAgentSpace', value: space },
    ]);
  }
  if (typeof behaviours !== 'object' || behaviours === null) {
    throw new SpaceValidationError(undefined, [
      { path: 'behaviours', message: 'expected a record of behaviours', value: behaviours },
    ]);
  }
  try {
    checkSpace(space, behaviours, options);
  } catch (error) {
    if (VarplaneError.isInstance(error)) throw error;
    // A Proxy or a throwing getter somewhere in the space: it cannot be run, so it is refused.
    const why = toErrorInfo(error).message;
    const refusal = new SpaceValidationError(undefined, [
      { path: '', message: `the space could not be read (${why})` },
    ]);
    Object.defineProperty(refusal, 'cause', { value: error, configurable: true, writable: true });
    throw refusal;
  }
}

function checkSpace(
  space: MultiAgentSpace,
  behaviours: Readonly<Record<string, AnyBehaviour>>,
  options: { distributed?: boolean },
): void {
  if (options?.distributed !== true) refuseDistribution(space);
  const issues: Issue[] = [];
  const check = (schema: z.ZodType, value: unknown, path: string) => {
    const result = schema.safeParse(value, { reportInput: true });
    if (!result.success) issues.push(...toIssues(result.error, path));
  };
  check(agentIdSchema, space.id, 'id');
  const agents = typeof space.agents === 'object' && space.agents !== null ? space.agents : {};
  if (agents !== space.agents)
    issues.push({ path: 'agents', message: 'expected a record of agents', value: space.agents });
  const known = new Set(Object.keys(agents));
  const names = Object.keys(behaviours).join(', ') || '(none)';
  for (const [id, config] of Object.entries(agents)) {
    check(agentConfigSchema, config, `agents.${id}`);
    if (config?.id !== id)
      issues.push({
        path: `agents.${id}.id`,
        message: `must equal its key ${id}`,
        value: config?.id,
      });
    (Array.isArray(config?.follows) ? config.follows : []).forEach((variableId, i) => {
      if (!Object.hasOwn(space.orchestrationVariables ?? {}, variableId))
        issues.push({
          path: `agents.${id}.follows.${i}`,
          message: `the space has no such orchestration variable (it has: ${Object.keys(space.orchestrationVariables ?? {}).join(', ') || 'none'})`,
          value: variableId,
        });
    });
    const name = config?.behaviour;
    if (
      typeof name === 'string' &&
      !(Object.hasOwn(behaviours, name) && behaviours[name] !== undefined)
    ) {
      issues.push({
        path: `agents.${id}.behaviour`,
        message: `no such behaviour was given (given: ${names})`,
        value: name,
      });
    }
  }
  for (const [id, variable] of Object.entries(space.orchestrationVariables ?? {})) {
    if (typeof variable !== 'object' || variable === null || !Array.isArray(variable.agents)) {
      issues.push({
        path: `orchestrationVariables.${id}`,
        message: 'expected an orchestration variable',
        value: variable,
      });
      continue;
    }
    variable.agents.forEach((agent, i) => {
      if (!known.has(agent))
        issues.push({
          path: `orchestrationVariables.${id}.agents.${i}`,
          message: 'unknown agent',
          value: agent,
        });
    });
    try {
      checkOrchestrationValue(variable, variable.value);
    } catch (error) {
      issues.push({
        path: `orchestrationVariables.${id}.value`,
        message: (error as Error).message,
        value: variable.value,
      });
    }
    checkTolerance(space, id, variable, issues);
  }
  listAt(space.coordinationGraph?.edges, 'coordinationGraph.edges', issues).forEach((edge, i) => {
    check(coordinationEdgeSchema, edge, `coordinationGraph.edges.${i}`);
    if (typeof edge !== 'object' || edge === null) return;
    for (const end of ['from', 'to'] as const) {
      if (!known.has(edge[end]))
        issues.push({
          path: `coordinationGraph.edges.${i}.${end}`,
          message: 'unknown agent',
          value: edge[end],
        });
    }
  });
  listAt(space.scalingPolicies, 'scalingPolicies', issues).forEach((policy, i) => {
    check(scalingPolicySchema, policy, `scalingPolicies.${i}`);
    if (typeof policy !== 'object' || policy === null) return;
    if (!known.has(policy.agent))
      issues.push({
        path: `scalingPolicies.${i}.agent`,
        message: 'unknown agent',
        value: policy.agent,
      });
    if (!(SCALING_METRICS as readonly string[]).includes(policy.metric)) {
      issues.push({
        path: `scalingPolicies.${i}.metric`,
        message: `must be one of ${SCALING_METRICS.join(', ')}`,
        value: policy.metric,
      });
    }
  });
  check(faultRecoveryConfigSchema, space.faultRecovery, 'faultRecovery');
  for (const [agent, fallback] of Object.entries(space.faultRecovery?.fallbacks ?? {})) {
    if (!known.has(agent))
      issues.push({
        path: `faultRecovery.fallbacks.${agent}`,
        message: 'unknown agent',
        value: agent,
      });
    if (!known.has(fallback))
      issues.push({
        path: `faultRecovery.fallbacks.${agent}`,
        message: 'unknown fallback agent',
        value: fallback,
      });
  }
  for (const agent of Object.keys(space.faultRecovery?.perAgent ?? {})) {
    if (!known.has(agent))
      issues.push({
        path: `faultRecovery.perAgent.${agent}`,
        message: 'unknown agent',
        value: agent,
      });
  }
  check(resourcePoolSchema, space.resourcePool, 'resourcePool');
  if (issues.length > 0) throw new SpaceValidationError(space.id, issues);
}
