import { VarplaneError } from '@varplane/core';
import {
  type EtcdCluster,
  type NatsCluster,
  startEtcdCluster,
  startNatsCluster,
} from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, startClusterNode } from '../src/cluster-node';
import { eventually } from './eventually';
import { type NodeProcess, startNodeProcess } from './processes';

const nodes = ['n1', 'n2', 'n3'];
const CLUSTER = 'placed-etcd';

interface TallyState {
  count: number;
  last: Record<string, number>;
  gaps: number;
  duplicates: number;
  reordered: number;
  node: string;
}

describe('placed agents on three node processes with the etcd control plane', () => {
  let nats: NatsCluster;
  let etcd: EtcdCluster;
  const processes = new Map<string, NodeProcess>();
  const senders: ClusterNode[] = [];
  let client: ClusterNode;
  const ask = <T>(node: string, message: object, timeout = 8_000) =>
    client.system.call<T>({ id: `control-${node}`, node }, message, { timeout });

  beforeAll(async () => {
    [nats, etcd] = await Promise.all([
      startNatsCluster({ size: 3, jetstream: false, name: 'placed-etcd' }),
      startEtcdCluster({ size: 3 }),
    ]);
    await Promise.all(
      nodes.map(async (node, i) => {
        processes.set(
          node,
          await startNodeProcess('./placed-node-process.ts', {
            cluster: CLUSTER,
            node,
            servers: [nats.urls[i]],
            etcd: etcd.endpoints,
          }),
        );
      }),
    );
    client = await startClusterNode({ cluster: CLUSTER, node: 'client', servers: nats.urls });
    for (const [i, url] of nats.urls.entries()) {
      senders.push(
        await startClusterNode({
          cluster: CLUSTER,
          node: `sender-${i + 1}`,
          servers: [url as string],
        }),
      );
    }
    await eventually(
      () =>
        Promise.all(
          nodes.map((node) => ask<Array<{ status: string }>>(node, { type: 'members' }, 2_000)),
        ),
      (lists) => lists.every((list) => list.filter((m) => m.status === 'up').length === 3),
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...processes.values()].map((child) => child.kill()));
    await Promise.all([client, ...senders].map((member) => member?.stop()));
    await nats?.stop();
    await etcd?.stop();
  });

  it('3,000 numbered sends from three senders while the agent moves between the nodes: none lost, none twice, in order', async () => {
    expect(await ask('n1', { type: 'place', id: 'acc', node: 'n1' })).toEqual({
      id: 'acc',
      node: 'n1',
    });
    await eventually(
      () =>
        client.system.call<TallyState>(
          { id: 'acc', node: 'n1' },
          { type: 'get' },
          { timeout: 2_000 },
        ),
      (state) => state.count === 0,
      10_000,
    );
    let sending = true;
    const all = Promise.all(
      senders.map(async (sender) => {
        for (let seq = 1; seq <= 1_000; seq++) {
          sender.system.send({ id: 'acc', node: 'n1' }, { type: 'n', sender: sender.node, seq });
          if (seq % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }),
    ).then(() => {
      sending = false;
    });
    const route = ['n2', 'n3', 'n1'];
    let host = 'n1';
    let moves = 0;
    while (sending || moves < 3) {
      const to = route[moves % 3] as string;
      const result = await ask<{ ok: boolean }>(host, { type: 'migrate', id: 'acc', to });
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
      moves += 1;
      host = to;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await all;
    const final = await eventually(
      () =>
        client.system.call<TallyState>(
          { id: 'acc', node: 'n1' },
          { type: 'get' },
          { timeout: 3_000 },
        ),
      (state) => state.count === 3_000,
      20_000,
    );
    expect(final).toMatchObject({ count: 3_000, gaps: 0, duplicates: 0, reordered: 0, node: host });
    expect(final.last).toEqual({ 'sender-1': 1_000, 'sender-2': 1_000, 'sender-3': 1_000 });
  }, 120_000);

  it('kill -9 of the hosting node: a call in flight rejects typed, the agent runs elsewhere from its checkpoint within 10 s', async () => {
    const placed = await ask<{ node: string; epoch: number }>('n1', {
      type: 'placement',
      id: 'acc',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a checkpoint interval passes
    const inFlight = client.system
      .call({ id: 'acc', node: placed.node }, { type: 'hang' }, { timeout: 2_000 })
      .then(
        () => 'resolved',
        (error: unknown) => error,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const killedAt = Date.now();
    await processes.get(placed.node)?.kill();
    expect(VarplaneError.isInstance(await inFlight, 'CALL_TIMEOUT')).toBe(true);
    const state = await eventually(
      () =>
        client.system.call<TallyState>(
          { id: 'acc', node: placed.node },
          { type: 'get' },
          { timeout: 1_000 },
        ),
      (value) => value.node !== placed.node,
      15_000,
    );
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(state).toMatchObject({ count: 3_000, gaps: 0, duplicates: 0 });
    const survivor = nodes.find((node) => node !== placed.node) as string;
    const after = await ask<{ node: string; epoch: number }>(survivor, {
      type: 'placement',
      id: 'acc',
    });
    expect(after.epoch).toBeGreaterThan(placed.epoch);
  }, 60_000);
});
