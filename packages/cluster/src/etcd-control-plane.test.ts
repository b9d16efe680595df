import {
  createMemoryStorage,
  createSimulatedNetwork,
  type RaftNode,
  startRaftNode,
} from '@varplane/consensus-raft';
import { createRandom, systemClock, VarplaneError } from '@varplane/core';
import { type EtcdCluster, startEtcdCluster } from '@varplane/test-servers';
import { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { conformanceIds, controlPlaneConformance } from '../test/control-plane-conformance';
import { eventually } from '../test/eventually';
import type { ControlPlane } from './control-plane';
import { createEtcdControlPlane } from './etcd-control-plane';
import { createRaftControlPlane } from './raft-control-plane';

describe('the control plane conformance: embedded Raft', () => {
  let rafts: RaftNode[] = [];
  afterEach(async () => {
    await Promise.all(rafts.map((raft) => raft.stop().catch(() => undefined)));
    rafts = [];
  });
  controlPlaneConformance(async () => {
    const network = createSimulatedNetwork({ clock: systemClock, random: createRandom(7) });
    const planes = new Map<string, ControlPlane>();
    for (const [i, id] of conformanceIds.entries()) {
      const control = createRaftControlPlane({ node: id, timeoutMs: 2_000 });
      const raft = await startRaftNode({
        id,
        peers: [...conformanceIds],
        storage: createMemoryStorage(),
        transport: network.transport(id),
        clock: systemClock,
        random: createRandom(i + 1),
        tickMs: 10,
        stateMachine: control.stateMachine,
      });
      control.connect(raft);
      planes.set(id, control);
      rafts.push(raft);
    }
    await eventually(
      () => conformanceIds.map((id) => planes.get(id)?.leader()),
      (leaders) => leaders[0] !== undefined && leaders.every((leader) => leader === leaders[0]),
      5_000,
    );
    return (id) => planes.get(id) as ControlPlane;
  });
});

describe('the control plane conformance: etcd 3.4 (three members, one client per node)', () => {
  let etcd: EtcdCluster;
  let clients: Etcd3[] = [];
  let planes: ControlPlane[] = [];
  let run = 0;

  beforeAll(async () => {
    etcd = await startEtcdCluster({ size: 3 });
  }, 60_000);
  afterEach(async () => {
    await Promise.all(planes.map((plane) => plane.close()));
    for (const client of clients) client.close();
    planes = [];
    clients = [];
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  /** Three planes of a fresh cluster name, each through its own client and etcd member. */
  const setup = async (options: { leaseTtlSeconds?: number } = {}) => {
    run += 1;
    const byId = new Map<string, ControlPlane>();
    for (const [i, id] of conformanceIds.entries()) {
      const client = new Etcd3({ hosts: etcd.endpoints[i] as string });
      clients.push(client);
      const plane = await createEtcdControlPlane({
        client,
        cluster: `conformance-${run}`,
        node: id,
        ...options,
      });
      planes.push(plane);
      byId.set(id, plane);
    }
    return (id: string) => byId.get(id) as ControlPlane;
  };

  controlPlaneConformance(() => setup());

  it('epochs are etcd revisions; a node that starts later replays the log to the same state', async () => {
    const plane = await setup();
    const placed = await plane('a').place('p', { node: 'b', behaviour: 'w' }, 0);
    const response = await clients[0]?.get(`vp/conformance-${run}/control/log`).exec();
    expect(Number(response?.kvs[0]?.mod_revision)).toBe(placed.epoch);
    const client = new Etcd3({ hosts: etcd.endpoints[2] as string });
    clients.push(client);
    const late = await createEtcdControlPlane({
      client,
      cluster: `conformance-${run}`,
      node: 'late',
      campaign: false,
    });
    planes.push(late);
    expect(late.view().placement('p')).toEqual(placed);
    expect(late.view().epoch).toBe(plane('a').view().epoch);
  });

  it('when the leader goes away, another node is elected within its lease', async () => {
    const plane = await setup({ leaseTtlSeconds: 1 });
    const first = await eventually(
      () => conformanceIds.map((id) => plane(id).leader()),
      (names) => names[0] !== undefined && names.every((name) => name === names[0]),
      10_000,
    );
    const old = first[0] as string;
    await plane(old).close();
    const others = conformanceIds.filter((id) => id !== old);
    const next = await eventually(
      () => others.map((id) => plane(id).leader()),
      (names) => names[0] !== undefined && names[0] !== old && names.every((n) => n === names[0]),
      10_000,
    );
    expect(others).toContain(next[0]);
  });

  it('every call has a deadline: with etcd unreachable a write rejects CLUSTER_CONTROL_UNAVAILABLE in time', async () => {
    const plane = await setup();
    const client = new Etcd3({ hosts: 'http://127.0.0.1:1', dialTimeout: 200 });
    clients.push(client);
    const started = Date.now();
    const failure = await createEtcdControlPlane({
      client,
      cluster: 'nowhere',
      node: 'x',
      timeoutMs: 300,
    }).catch((error: unknown) => error);
    expect(VarplaneError.isInstance(failure, 'CLUSTER_CONTROL_UNAVAILABLE')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(
      createEtcdControlPlane({ client: {} as Etcd3, cluster: 'c', node: 'x' }),
    ).rejects.toThrow(/client: expected an etcd3 client/);
    await expect(plane('a').place('y', { node: 'a', behaviour: 'b' }, 0)).resolves.toMatchObject({
      node: 'a',
    });
  });
});
