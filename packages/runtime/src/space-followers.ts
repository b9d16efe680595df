import type { JsonValue, MultiAgentSpace } from '@varplane/core';
import type { Subscription } from 'rxjs';
import type { SpaceRuntime } from './internal/space-runtime';
import type { OrchestrationMessage } from './space-agent';

/** The current values of the variables `agentId` follows. */
export function followedValues(space: MultiAgentSpace, agentId: string): Record<string, JsonValue> {
  // Ids such as `__proto__` are ordinary ids: own properties only, into a prototype-free record.
  const values: Record<string, JsonValue> = Object.create(null);
  const agent = Object.hasOwn(space.agents, agentId) ? space.agents[agentId] : undefined;
  for (const id of agent?.follows ?? []) {
    if (Object.hasOwn(space.orchestrationVariables, id))
      values[id] = (space.orchestrationVariables[id] as { value: JsonValue }).value;
  }
  return values;
}

/**
 * Keeps agents that follow orchestration variables in step with the running space: whenever the
 * values an agent follows change, each of its running instances gets one `orchestration` cast
 * (an agent that starts gets the values in its `init` args instead). `told` remembers, per
 * instance, what it was last given, so an unchanged value is never sent twice.
 */
export function tellFollowers(rt: SpaceRuntime): Subscription {
  const tell = (agentId: string, ids: readonly string[]) => {
    const space = rt.space;
    const follows = Object.hasOwn(space.agents, agentId) ? space.agents[agentId]?.follows : [];
    if (rt.stopped || follows === undefined || follows.length === 0) return;
    const values = followedValues(space, agentId);
    const text = JSON.stringify(values);
    for (const id of ids) {
      const cell = rt.kernel.cells.get(id);
      if (cell === undefined || !cell.alive || rt.told.get(id) === text) continue;
      rt.told.set(id, text);
      const message: OrchestrationMessage = { type: 'orchestration', values };
      rt.kernel.enqueue(cell, message);
    }
  };
  const changes = rt.space$.subscribe((space) => {
    for (const agentId of Object.keys(space.agents))
      tell(agentId, rt.instances.get(agentId) ?? [agentId]);
  });
  // A restart runs `init` with the values of the first start: the mailbox, kept across the
  // restart, brings the current ones right after.
  const restarts = rt.system.events$.subscribe((event) => {
    if (event.type !== 'agent-restarted') return;
    const agentId = Object.hasOwn(rt.space.agents, event.agent)
      ? event.agent
      : [...rt.instances].find(([, ids]) => ids.includes(event.agent))?.[0];
    if (agentId === undefined) return;
    rt.told.delete(event.agent);
    tell(agentId, [event.agent]);
  });
  changes.add(restarts);
  return changes;
}
