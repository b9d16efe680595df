import {
  type AdaptationEvent,
  addOrchestrationVariable,
  agentSelection,
  communicationTopology,
  createMultiAgentSpace,
  directive,
  type MultiAgentSpace,
  registerAgent,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { run } from './internal/space-fixture';

const lastEvent = (space: MultiAgentSpace) => space.adaptationHistory.at(-1) as AdaptationEvent;

function team() {
  const ids = ['a', 'b', 'c'];
  let space = createMultiAgentSpace({ id: 'team' });
  for (const id of ids) space = registerAgent(space, { id, behaviour: 'echo' });
  space = addOrchestrationVariable(
    space,
    agentSelection('pick', { agents: ids, default: ['a', 'b', 'c'] }),
  );
  space = addOrchestrationVariable(
    space,
    communicationTopology('net', { agents: ids, patterns: ['ring', 'star'], default: 'ring' }),
  );
  return space;
}

describe('rollback', () => {
  it('restores a variable and the agents and topology it changed', async () => {
    const { team: running } = await run(team());
    await running.startAgents();
    await running.coordinateAgents();
    const changed = await running.setVariable('pick', ['a']);
    expect(running.instances('b')).toEqual([]);
    const topo = await running.setVariable('net', 'star');
    expect(topo.coordinationGraph.topology).toBe('star');

    const afterTopo = await running.rollback(lastEvent(topo).id);
    expect(afterTopo.coordinationGraph.topology).toBe('ring');
    expect(afterTopo.orchestrationVariables.net?.value).toBe('ring');
    expect(lastEvent(afterTopo)).toMatchObject({ operation: 'rollback', outcome: 'rolled_back' });

    const restored = await running.rollback(lastEvent(changed).id);
    expect(restored.orchestrationVariables.pick?.value).toEqual(['a', 'b', 'c']);
    expect(Object.values(restored.agents).map((a) => a.status)).toEqual([
      'active',
      'active',
      'active',
    ]);
    expect(running.instances('b')).toEqual(['b']);
  });

  it('undoes a start, a role change and a reconfiguration', async () => {
    const { team: running } = await run(team());
    const started = await running.startAgents();
    const roles = await running.applyDirectives([
      directive('a', 'changeRole', { role: 'coordinator' }),
      directive('b', 'reconfigure', { localConfiguration: { temperature: 0.2 } }),
    ]);
    expect(roles.agents.a?.role).toBe('coordinator');
    expect(roles.agents.b?.localConfiguration).toEqual({ temperature: 0.2 });
    const undone = await running.rollback(lastEvent(roles).id);
    expect(undone.agents.a?.role).toBe('executor');
    expect(undone.agents.b?.localConfiguration).toEqual({});
    const stopped = await running.rollback(lastEvent(started).id);
    expect(Object.values(stopped.agents).map((a) => a.status)).toEqual([
      'inactive',
      'inactive',
      'inactive',
    ]);
    expect(running.system.list().map((a) => a.id)).toEqual(['space:team']);
  });

  it('refuses an unknown event id with a typed error', async () => {
    const { team: running } = await run(team());
    await expect(running.rollback('no-such-event')).rejects.toMatchObject({
      code: 'SPACE_EVENT_UNKNOWN',
    });
  });
});
