/**
 * The behaviours every `ControlPlane` backend must show, run against each of them (the embedded
 * Raft and etcd) by the same code. `setup` gives three planes that share one cluster.
 */
import { VarplaneError } from '@varplane/core';
import { expect, it } from 'vitest';
import type { ControlChange, ControlPlane } from '../src/control-plane';
import { eventually } from './eventually';

export const conformanceIds = ['a', 'b', 'c'] as const;

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

export function controlPlaneConformance(setup: () => Promise<(id: string) => ControlPlane>): void {
  const ids = conformanceIds;

  it('places with compare-and-set on the epoch, which only increases', async () => {
    const plane = await setup();
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
      3_000,
    );
    const proto = await plane('a').place('__proto__', { node: 'b', behaviour: 'x' }, 0);
    expect(plane('a').view().placement('__proto__')).toEqual(proto);
    const removed = await plane('a').unplace('coder', moved.epoch);
    expect(removed).toBeGreaterThan(proto.epoch);
    expect(plane('a').view().placement('coder')).toBeUndefined();
    // A read after a write elsewhere sees it.
    await plane('b').sync();
    expect(plane('b').view().placement('coder')).toBeUndefined();
    expect(plane('b').view().epoch).toBeGreaterThanOrEqual(removed);
  });

  it('declares a node down only if it has not renewed since; a down node must join again', async () => {
    const plane = await setup();
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
    const plane = await setup();
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
      5_000,
    );
    expect(seen.get('b')).toEqual(seen.get('a'));
    expect(seen.get('c')).toEqual(seen.get('a'));
    const epochs = (seen.get('a') ?? []).map((change) => change.epoch);
    expect(epochs).toEqual([...epochs].sort((x, y) => x - y));
    expect(new Set(epochs).size).toBe(epochs.length);
    expect(seen.get('a')?.filter((change) => change.type === 'placed')).toHaveLength(4);
  });

  it('has one leader that every node names, and refuses bad arguments naming the field', async () => {
    const plane = await setup();
    const leaders = await eventually(
      () => ids.map((id) => plane(id).leader()),
      (names) => names[0] !== undefined && names.every((name) => name === names[0]),
      10_000,
    );
    expect(ids).toContain(leaders[0]);
    await expect(plane('a').place('', { node: 'a', behaviour: 'b' }, 0)).rejects.toThrow(
      /place: agent/,
    );
    await expect(plane('a').place('x', { node: 'a', behaviour: 'b' }, -1)).rejects.toThrow(
      /expectEpoch/,
    );
    await expect(plane('a').sync({ timeoutMs: 0 })).rejects.toThrow(/timeoutMs/);
    expect(() => plane('a').watch(7 as never)).toThrow(/listener must be a function/);
  });
}
