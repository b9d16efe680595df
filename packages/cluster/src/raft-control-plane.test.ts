import {
  createMemoryStorage,
  createSimulatedNetwork,
  type RaftNode,
  startRaftNode,
} from '@varplane/consensus-raft';
import { createRandom, systemClock, VarplaneError } from '@varplane/core';
import type { AgentSnapshot } from '@varplane/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../test/eventually';
import type { ControlChange } from './control-plane';
import { createRaftControlPlane, type RaftControlPlane } from './raft-control-plane';

const ids = ['a', 'b', 'c'];
let running: RaftNode[] = [];

async function threeVoters() {
  const network = createSimulatedNetwork({ clock: systemClock, random: createRandom(7) });
  const planes = new Map<string, RaftControlPlane>();
  const rafts = new Map<string, RaftNode>();
  for (const [i, id] of ids.entries()) {
    const control = createRaftControlPlane({ node: id, timeoutMs: 2_000 });
    const raft = await startRaftNode({
      id,
      peers: ids,
      storage: createMemoryStorage(),
      transport: network.transport(id),
      clock: systemClock,
      random: createRandom(i + 1),
      tickMs: 10,
      stateMachine: control.stateMachine,
    });
    control.connect(raft);
    planes.set(id, control);
    rafts.set(id, raft);
    running.push(raft);
  }
  await eventually(
    () => ids.map((id) => planes.get(id)?.leader()),
    (leaders) => leaders[0] !== undefined && leaders.every((leader) => leader === leaders[0]),
    5_000,
  );
  const plane = (id: string) => planes.get(id) as RaftControlPlane;
  return { network, plane, rafts };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

afterEach(async () => {
  await Promise.all(running.map((raft) => raft.stop().catch(() => undefined)));
  running = [];
});

describe('createRaftControlPlane', () => {
  it('places with compare-and-set on the epoch, which is the log index and only increases', async () => {
    const { plane } = await threeVoters();
    const first = await plane('b').place('coder', { node: 'a', behaviour: 'coder' }, 0);
    expect(first).toMatchObject({ node: 'a', behaviour: 'coder', restart: 'permanent' });
    expect(first.epoch).toBeGreaterThan(0);
    const stale = await failure(plane('c').place('coder', { node: 'c', behaviour: 'coder' }, 0));
    expect(VarplaneError.isInstance(stale, 'CLUSTER_PLACEMENT_CONFLICT')).toBe(true);
    expect(String((stale as Error).message)).toContain(`placed on "a" at epoch ${first.epoch}`);
    const moved = await plane('c').place('coder', { node: 'c', behaviour: 'coder' }, first.epoch);
    expect(moved.node).toBe('c');
    expect(moved.epoch).toBeGreaterThan(first.epoch);
    await eventually(
      () => ids.map((id) => plane(id).view().placement('coder')?.epoch),
      (epochs) => epochs.every((epoch) => epoch === moved.epoch),
      2_000,
    );
    // Plain ids, prototype names included.
    const proto = await plane('a').place('__proto__', { node: 'b', behaviour: 'x' }, 0);
    expect(plane('a').view().placement('__proto__')).toEqual(proto);
    const removed = await plane('a').unplace('coder', moved.epoch);
    expect(removed).toBeGreaterThan(proto.epoch);
    expect(plane('a').view().placement('coder')).toBeUndefined();
  });

  it('declares a node down only if it has not renewed since, and a down node cannot renew until it joins', async () => {
    const { plane } = await threeVoters();
    const joined = await plane('c').join();
    const renewed = await plane('c').renew();
    expect(renewed).toBeGreaterThan(joined);
    const tooOld = await failure(plane('a').declareDown('c', joined));
    expect(VarplaneError.isInstance(tooOld, 'CLUSTER_PLACEMENT_CONFLICT')).toBe(true);
    const down = await plane('a').declareDown('c', renewed);
    expect(plane('a').view().member('c')).toMatchObject({ status: 'down', renewed });
    const lost = await failure(plane('c').renew());
    expect(VarplaneError.isInstance(lost, 'CLUSTER_MEMBERSHIP_LOST')).toBe(true);
    const again = await plane('c').join();
    expect(again).toBeGreaterThan(down);
    expect(plane('c').view().member('c')).toMatchObject({ status: 'up', joined: again });
  });

  it('every replica watches the same changes in the same order', async () => {
    const { plane } = await threeVoters();
    const seen = new Map<string, ControlChange[]>();
    for (const id of ids) {
      const list: ControlChange[] = [];
      seen.set(id, list);
      plane(id).watch((change) => list.push(change));
    }
    const writes = [];
    for (let i = 0; i < 10; i++) {
      const id = ids[i % 3] as string;
      writes.push(
        failure(plane(id).place(`agent-${i % 4}`, { node: id, behaviour: 'w' }, 0)),
        plane(id).join(),
      );
    }
    await Promise.all(writes);
    await eventually(
      () => ids.map((id) => seen.get(id)?.length),
      (lengths) => lengths.every((length) => length === lengths[0]) && (lengths[0] ?? 0) >= 14,
      3_000,
    );
    expect(seen.get('b')).toEqual(seen.get('a'));
    expect(seen.get('c')).toEqual(seen.get('a'));
    const epochs = (seen.get('a') ?? []).map((change) => change.epoch);
    expect(epochs).toEqual([...epochs].sort((x, y) => x - y));
    expect(new Set(epochs).size).toBe(epochs.length);
    // Four agents, each placed once: the other six places were refused as conflicts.
    expect(seen.get('a')?.filter((change) => change.type === 'placed')).toHaveLength(4);
  });

  it('a node cut off from the majority cannot commit anything; the majority can declare it down', async () => {
    const { network, plane } = await threeVoters();
    await plane('a').join();
    const renewed = await plane('c').join();
    // Cut off the leader itself when it is c: the hardest case, an old leader on the minority side.
    const lonely = 'c';
    network.partition(
      [lonely],
      ids.filter((id) => id !== lonely),
    );
    const refused = await failure(plane(lonely).declareDown('a', 0, { timeoutMs: 300 }));
    expect(VarplaneError.isInstance(refused, 'CLUSTER_CONTROL_UNAVAILABLE')).toBe(true);
    const down = await eventually(
      () => plane('a').declareDown(lonely, renewed, { timeoutMs: 500 }),
      (epoch) => epoch > renewed,
      5_000,
    );
    expect(plane('b').view().member(lonely)).toMatchObject({ status: 'down', renewed });
    expect(down).toBeGreaterThan(renewed);
    network.heal();
    await eventually(
      () => plane(lonely).view().member(lonely)?.status,
      (status) => status === 'down',
      5_000,
    );
    // The checkpoint of a placement that moved on is refused, so an old host cannot overwrite state.
    const placed = await plane('a').place('x', { node: 'a', behaviour: 'x' }, 0);
    await plane('a').place('x', { node: 'b', behaviour: 'x' }, placed.epoch);
    const snapshot = { version: 1, ref: { id: 'x', node: 'a' } } as unknown as AgentSnapshot;
    const old = await failure(plane('a').checkpoint('x', placed.epoch, snapshot));
    expect(VarplaneError.isInstance(old, 'CLUSTER_PLACEMENT_CONFLICT')).toBe(true);
  });

  it('refuses bad arguments with typed errors naming the field', () => {
    expect(() => createRaftControlPlane({ node: '' })).toThrow(/node/);
    const control = createRaftControlPlane({ node: 'a' });
    return Promise.all([
      expect(control.place('', { node: 'a', behaviour: 'b' }, 0)).rejects.toThrow(/place: agent/),
      expect(control.place('x', { node: 'a', behaviour: 'b' }, -1)).rejects.toThrow(/expectEpoch/),
      expect(control.renew()).rejects.toThrow(/connect\(raft\) first/),
    ]);
  });
});
