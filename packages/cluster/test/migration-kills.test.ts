import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsCluster, startNatsCluster } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, startClusterNode } from '../src/cluster-node';
import { eventually } from './eventually';
import { type NodeProcess, startNodeProcess } from './processes';

const nodes = ['n1', 'n2', 'n3'];
const CLUSTER = 'kills';
const mover = { id: 'mover', node: 'n1' };

interface TallyState {
  count: number;
  gaps: number;
  duplicates: number;
  node: string;
}

describe('kill -9 during a migration (three node processes, Raft logs on disk)', () => {
  let nats: NatsCluster;
  let client: ClusterNode;
  const dir = mkdtempSync(join(tmpdir(), 'vp-migration-kills-'));
  const processes = new Map<string, NodeProcess>();
  const everyEvent: Array<Record<string, unknown>> = [];
  const start = async (node: string) => {
    const i = nodes.indexOf(node);
    const child = await startNodeProcess('./placed-node-process.ts', {
      cluster: CLUSTER,
      node,
      servers: [nats.urls[i]],
      peers: nodes,
      dir: join(dir, node),
    });
    processes.set(node, child);
  };
  const ask = <T>(node: string, message: object, timeout = 8_000) =>
    client.system.call<T>({ id: `control-${node}`, node }, message, { timeout });
  const allUp = (live: readonly string[]) =>
    eventually(
      () =>
        Promise.all(
          live.map((node) => ask<Array<{ status: string }>>(node, { type: 'members' }, 1_000)),
        ),
      (lists) => lists.every((list) => list.filter((m) => m.status === 'up').length === 3),
      45_000,
    );
  const hostedEpochs = () =>
    [...processes.values()]
      .flatMap((child) => child.events)
      .concat(everyEvent)
      .filter((event) => event.type === 'agent-hosted' && event.agent === 'mover')
      .sort((a, b) => (a.at as number) - (b.at as number))
      .map((event) => event.epoch as number);

  beforeAll(async () => {
    nats = await startNatsCluster({ size: 3, jetstream: false, name: 'kills' });
    await Promise.all(nodes.map(start));
    client = await startClusterNode({ cluster: CLUSTER, node: 'client', servers: nats.urls });
    await allUp(nodes);
    expect(await ask('n1', { type: 'place', id: 'mover', node: 'n1' })).toEqual(mover);
    for (let seq = 1; seq <= 20; seq++)
      client.system.send(mover, { type: 'n', sender: 'client', seq });
    await eventually(
      () => client.system.call<TallyState>(mover, { type: 'get' }, { timeout: 1_000 }),
      (state) => state.count === 20,
      10_000,
    );
    // Past a checkpoint interval (500 ms): the count is stored through the log.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...processes.values()].map((child) => child.kill()));
    await client?.stop();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the target dies while the source waits for the message in hand: the agent stays on the source, unmoved', async () => {
    const before = await ask<{ node: string; epoch: number }>('n1', {
      type: 'placement',
      id: 'mover',
    });
    client.system.send(mover, { type: 'sleep', ms: 1_500 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const moving = ask<{ ok: boolean; code?: string }>('n1', {
      type: 'migrate',
      id: 'mover',
      to: 'n3',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const n3 = processes.get('n3') as NodeProcess;
    everyEvent.push(...n3.events);
    await n3.kill();
    const result = await moving;
    expect(result).toMatchObject({ ok: false, code: 'CLUSTER_MIGRATION_FAILED' });
    const state = await client.system.call<TallyState>(mover, { type: 'get' }, { timeout: 3_000 });
    expect(state).toMatchObject({ count: 20, node: 'n1', gaps: 0, duplicates: 0 });
    const after = await ask<{ node: string; epoch: number }>('n1', {
      type: 'placement',
      id: 'mover',
    });
    expect(after).toEqual(before);
    // n3 comes back with its log and joins again.
    await start('n3');
    await allUp(nodes);
  }, 60_000);

  it('the source dies during the move: the agent runs on exactly one node, from its checkpoint, with a larger epoch', async () => {
    const before = await ask<{ node: string; epoch: number }>('n2', {
      type: 'placement',
      id: 'mover',
    });
    client.system.send(mover, { type: 'sleep', ms: 1_500 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    void ask('n1', { type: 'migrate', id: 'mover', to: 'n2' }, 3_000).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const n1 = processes.get('n1') as NodeProcess;
    everyEvent.push(...n1.events);
    await n1.kill();
    processes.delete('n1');
    const state = await eventually(
      () => client.system.call<TallyState>(mover, { type: 'get' }, { timeout: 1_000 }),
      (value) => value.node === 'n2' || value.node === 'n3',
      15_000,
    );
    expect(state).toMatchObject({ count: 20, gaps: 0, duplicates: 0 });
    const after = await ask<{ node: string; epoch: number }>('n2', {
      type: 'placement',
      id: 'mover',
    });
    expect(after.epoch).toBeGreaterThan(before.epoch);
    expect(after.node).toBe(state.node);
    const hosts = await Promise.all(
      ['n2', 'n3'].map((node) =>
        ask<Array<{ agent: string; epoch: number }>>(node, { type: 'hosted' }),
      ),
    );
    expect(hosts.flat().filter((entry) => entry.agent === 'mover')).toEqual([
      { agent: 'mover', epoch: after.epoch },
    ]);
    const epochs = hostedEpochs();
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    expect(new Set(epochs).size).toBe(epochs.length);
  }, 60_000);
});
