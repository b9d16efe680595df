import { limitedResource, type MultiAgentSpace } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { ConstraintViolationError } from './errors';
import type { SpaceRuntime } from './internal/space-runtime';

/**
 * Refuses to start `agentId` when that would break a constraint of a variable coordinating it:
 * more of the variable's agents running than `maxConcurrent`, or their declared resources past
 * the variable's bound under `resourceLimit`. Checked at every start (directives, `startAgents`,
 * recovery, failover), so the constraints hold at every instant, not only after a coordination.
 */
export function checkStart(rt: SpaceRuntime, agentId: string): void {
  const space = rt.space;
  for (const variable of Object.values(space.orchestrationVariables)) {
    if (!variable.agents.includes(agentId)) continue;
    const running = variable.agents.filter((id) => id !== agentId && rt.isRunning(id));
    const max = variable.constraints.maxConcurrent;
    if (max !== undefined && running.length + 1 > max) {
      throw new ConstraintViolationError({
        code: 'MAX_CONCURRENT_EXCEEDED',
        agent: agentId,
        variableId: variable.id,
        message: `cannot start ${agentId}: ${variable.id} allows constraints.maxConcurrent ${max} of its agents at once, and ${running.join(', ')} already run`,
      });
    }
    const limit = variable.constraints.resourceLimit;
    const resource = limit === undefined ? undefined : limitedResource(limit);
    if (resource === undefined) continue;
    const bound = variable.resourceRequirements[resource] ?? 0;
    const needs = (id: string) => declared(space, id, resource);
    const own = needs(agentId);
    const held = running.reduce((sum, id) => sum + (needs(id) ?? 0), 0);
    if (own === undefined || held + own > bound) {
      throw new ConstraintViolationError({
        code: 'RESOURCE_LIMIT_EXCEEDED',
        agent: agentId,
        variableId: variable.id,
        message:
          own === undefined
            ? `cannot start ${agentId}: ${variable.id} is ${limit} but ${agentId} declares no resources.${resource}`
            : `cannot start ${agentId}: ${variable.id} is ${limit} at resourceRequirements.${resource} ${bound}; running agents hold ${held} and ${agentId} needs ${describeValue(own)}`,
      });
    }
  }
}

function declared(
  space: MultiAgentSpace,
  agentId: string,
  resource: 'memory' | 'cpuWeight' | 'tokens' | 'cost',
): number | undefined {
  const resources = space.agents[agentId]?.resources;
  return resources === undefined ? undefined : resources[resource];
}

/**
 * False for an agent some agent selection leaves out: `startAgents` starts the selected ones and
 * the agents no selection coordinates.
 */
export function isSelected(space: MultiAgentSpace, agentId: string): boolean {
  for (const variable of Object.values(space.orchestrationVariables)) {
    if (variable.type !== 'agent_selection' || !variable.agents.includes(agentId)) continue;
    if (!Array.isArray(variable.value) || !variable.value.includes(agentId)) return false;
  }
  return true;
}
