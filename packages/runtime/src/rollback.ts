import {
  AGENT_ROLES,
  type AgentRole,
  COORDINATION_PATTERNS,
  type CoordinationPattern,
  findAdaptation,
  type OrchestrationVariable,
  setLocalConfiguration,
  type VariableChange,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { SpaceOperationError } from './errors';
import type { SpaceRuntime, Tally } from './internal/space-runtime';
import { setVariable } from './space-coordination';
import { rewire, setRole } from './space-directives';
import { restartAgent, scaleTo, startAgent, stopAgent } from './space-lifecycle';

/**
 * Restores the configuration from before adaptation event `eventId`: its changes are undone in
 * reverse order (variable values re-coordinated, agents started or stopped, instances scaled,
 * roles, local configurations, routes and topology put back). Throws `SPACE_EVENT_UNKNOWN` for an
 * id not in the history; a change that cannot be undone is reported in the rollback's own event.
 */
export async function rollback(rt: SpaceRuntime, eventId: string, tally: Tally): Promise<void> {
  const event = findAdaptation(rt.space, eventId);
  tally.succeeded = 'rolled_back';
  for (const change of event.changes.slice().reverse()) {
    try {
      await revert(rt, change, tally);
      tally.ok();
    } catch (error) {
      tally.fail(error);
    }
  }
}

const AGENT_CHANGE = /^agents\.(.+)\.(status|instances|role|localConfiguration|route|restarts)$/;

async function revert(rt: SpaceRuntime, change: VariableChange, tally: Tally): Promise<void> {
  const { variableId: id, oldValue } = change;
  const variable: OrchestrationVariable | undefined = rt.space.orchestrationVariables[id];
  if (variable !== undefined) {
    await setVariable(rt, id, oldValue, tally);
    return;
  }
  if (id === 'coordinationGraph.topology') {
    if (!(COORDINATION_PATTERNS as readonly unknown[]).includes(oldValue))
      throw cannot(change, 'not a topology');
    for (const agent of Object.keys(rt.space.agents)) rt.topology.setOverride(agent, null);
    rewire(rt, oldValue as CoordinationPattern, undefined, tally);
    return;
  }
  const match = AGENT_CHANGE.exec(id);
  const agent = match?.[1];
  if (match === null || agent === undefined || rt.space.agents[agent] === undefined) {
    throw cannot(change, 'the change names nothing this space can put back');
  }
  switch (match[2]) {
    case 'status':
      if (oldValue === 'active' || oldValue === 'starting') await startAgent(rt, agent, tally);
      else await stopAgent(rt, agent, tally, oldValue === 'failed' ? 'failed' : 'inactive');
      return;
    case 'instances':
      if (typeof oldValue !== 'number') throw cannot(change, 'not a count');
      await scaleTo(rt, agent, oldValue, rt.system.routeOf(agent)?.kind ?? 'round_robin', tally);
      return;
    case 'role':
      if (!(AGENT_ROLES as readonly unknown[]).includes(oldValue))
        throw cannot(change, 'not a role');
      setRole(rt, agent, oldValue as AgentRole, tally);
      return;
    case 'localConfiguration': {
      if (typeof oldValue !== 'object' || oldValue === null)
        throw cannot(change, 'not a configuration');
      const before = rt.space.agents[agent]?.localConfiguration;
      rt.commit(setLocalConfiguration(rt.space, agent, oldValue as Record<string, unknown>));
      tally.change(id, before, oldValue, [agent]);
      if (rt.isRunning(agent)) await restartAgent(rt, agent, tally);
      return;
    }
    case 'route':
      if (oldValue === null && rt.replacements.has(agent)) await startAgent(rt, agent, tally);
      return;
    case 'restarts':
      // A restart is not undone: the agent already runs again from a fresh state.
      return;
  }
}

function cannot(change: VariableChange, why: string): SpaceOperationError {
  return new SpaceOperationError({
    code: 'ROLLBACK_FAILED',
    message: `cannot undo ${change.variableId} back to ${describeValue(change.oldValue)}: ${why}`,
  });
}
