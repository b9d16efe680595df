import {
  addOrchestrationVariable,
  communicationTopology,
  createMultiAgentSpace,
  registerAgent,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { RaftNode } from './raft-node';
import {
  createReplicatedVariableStore,
  type ReplicatedVariableStore,
} from './replicated-variables';
import { startCluster } from './simulation/node-cluster';

function team() {
  let space = createMultiAgentSpace({ id: 'team' });
  for (const id of ['planner', 'coder']) space = registerAgent(space, { id, behaviour: id });
  return addOrchestrationVariable(
    space,
    communicationTopology('net', { agents: ['planner', 'coder'] }),
  );
}

async function replicated() {
  const stores = new Map<string, ReplicatedVariableStore>();
  for (const id of ['a', 'b', 'c'])
    stores.set(id, createReplicatedVariableStore({ space: team() }));
  const h = await startCluster(
    ['a', 'b', 'c'],
    {},
    undefined,
    (id) => stores.get(id)?.stateMachine,
  );
  for (const [id, store] of stores) store.connect(h.nodes.get(id) as RaftNode);
  h.nodes.get('a')?.campaign();
  await h.run(50);
  return { h, stores };
}

describe('createReplicatedVariableStore', () => {
  it('setVariable on a follower applies on every node', async () => {
    const { h, stores } = await replicated();
    const pending = stores.get('b')?.setVariable('net', 'mesh');
    await h.run(50);
    const space = await pending;
    expect(space?.orchestrationVariables.net?.value).toBe('mesh');
    for (const store of stores.values()) {
      expect(store.space().orchestrationVariables.net?.value).toBe('mesh');
    }
  });

  it('concurrent changes from different nodes apply in one order everywhere', async () => {
    const { h, stores } = await replicated();
    const seen = new Map<string, unknown[]>();
    for (const [id, store] of stores) {
      seen.set(id, []);
      store.space$.subscribe((space) =>
        seen.get(id)?.push(space.orchestrationVariables.net?.value),
      );
    }
    const writes = [
      stores.get('a')?.setVariable('net', 'star'),
      stores.get('c')?.setVariable('net', 'ring'),
      stores.get('b')?.setVariable('net', 'mesh'),
    ];
    await h.run(100);
    await Promise.all(writes);
    const orders = [...seen.values()].map((values) => JSON.stringify(values));
    expect(new Set(orders).size).toBe(1);
    expect(seen.get('a')?.slice(1).sort()).toEqual(['mesh', 'ring', 'star']);
  });

  it('refuses a value outside the domain before proposing it', async () => {
    const { stores } = await replicated();
    await expect(stores.get('a')?.setVariable('net', 'hexagon')).rejects.toMatchObject({
      code: 'ORCHESTRATION_INVALID_VALUE',
    });
    await expect(stores.get('a')?.setVariable('nope', 'mesh')).rejects.toMatchObject({
      code: 'SPACE_VARIABLE_UNKNOWN',
    });
  });

  it('a snapshot carries the values to a restored store', async () => {
    const { h, stores } = await replicated();
    const pending = stores.get('a')?.setVariable('net', 'ring');
    await h.run(50);
    await pending;
    const data = await stores.get('a')?.stateMachine.snapshot();
    const fresh = createReplicatedVariableStore({ space: team() });
    await fresh.stateMachine.restore(data as Uint8Array);
    expect(fresh.space().orchestrationVariables.net?.value).toBe('ring');
  });
});
