import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsCluster, startNatsCluster } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, startClusterNode } from '../src/cluster-node';
import { eventually } from './eventually';
import { type NodeProcess, startNodeProcess } from './processes';

const nodes = ['n1', 'n2', 'n3'];
const CLUSTER = 'alo';
// The ref the sender was given: once the agent moved, its node is only a hint.
const acc = { id: 'acc', node: 'n1' };
const durableOptions = { ackWaitMs: 2_000, retryDelayMs: 200 };

describe("kill -9 during a migration, with 'at-least-once' sends (three node processes, JetStream)", () => {
  let nats: NatsCluster;
  let client: ClusterNode;
  const dir = mkdtempSync(join(tmpdir(), 'vp-alo-kills-'));
  const processes = new Map<string, NodeProcess>();
  const gone: NodeProcess[] = [];
  let sent = 0;

  const start = async (node: string) => {
    const i = nodes.indexOf(node);
    processes.set(
      node,
      await startNodeProcess('./placed-node-process.ts', {
        cluster: CLUSTER,
        node,
        servers: [nats.urls[i]],
        peers: nodes,
        dir: join(dir, node),
        atLeastOnce: durableOptions,
      }),
    );
  };
  const kill = async (node: string) => {
    const child = processes.get(node) as NodeProcess;
    gone.push(child);
    processes.delete(node);
    await child.kill();
  };
  const ask = <T>(node: string, message: object, timeout = 8_000) =>
    client.system.call<T>({ id: `control-${node}`, node }, message, { timeout });
  const allUp = () =>
    eventually(
      () =>
        Promise.all(
          nodes.map((node) => ask<Array<{ status: string }>>(node, { type: 'members' }, 1_000)),
        ),
      (lists) => lists.every((list) => list.filter((m) => m.status === 'up').length === 3),
      45_000,
    );
  const everyEvent = () => [...gone, ...processes.values()].flatMap((child) => child.events);
  const handledSeqs = () =>
    new Set(
      everyEvent()
        .filter((event) => event.type === 'durable-handled')
        .map((event) => event.seq as number),
    );
  /** `count` more numbered at-least-once sends, 10 every 20 ms, as a busy sender makes them. */
  const sendMore = async (count: number) => {
    for (let i = 0; i < count; i++) {
      expect(
        client.system.send(acc, { type: 'd', seq: ++sent }, { delivery: 'at-least-once' }),
      ).toBe(true);
      if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const allHandled = () =>
    eventually(
      () => handledSeqs(),
      (seqs) => seqs.size === sent,
      40_000,
    );
  const hostsOfAcc = () =>
    Promise.all(
      [...processes.keys()].map((node) =>
        ask<Array<{ agent: string; epoch: number }>>(node, { type: 'hosted' }, 2_000),
      ),
    ).then((lists) => lists.flat().filter((entry) => entry.agent === 'acc'));
  const hostedEpochs = () =>
    everyEvent()
      .filter((event) => event.type === 'agent-hosted' && event.agent === 'acc')
      .sort((a, b) => (a.at as number) - (b.at as number))
      .map((event) => event.epoch as number);

  beforeAll(async () => {
    nats = await startNatsCluster({ size: 3, jetstream: true, name: 'alo' });
    await Promise.all(nodes.map(start));
    client = await startClusterNode({
      cluster: CLUSTER,
      node: 'client',
      servers: nats.urls,
      atLeastOnce: durableOptions,
    });
    await allUp();
    expect(await ask('n1', { type: 'place', id: 'acc', node: 'n1' })).toEqual(acc);
    await sendMore(50);
    await allHandled();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...processes.values()].map((child) => child.kill()));
    await client?.stop();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the source dies during the move: every message is handled, the agent runs on one node', async () => {
    const before = await ask<{ epoch: number }>('n2', { type: 'placement', id: 'acc' });
    const sending = sendMore(200);
    // The move waits for the message in hand, so the kill lands while it is under way.
    client.system.send(acc, { type: 'sleep', ms: 1_000 });
    void ask('n1', { type: 'migrate', id: 'acc', to: 'n2' }, 3_000).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await kill('n1');
    await sending;
    await allHandled();
    // n1's queue is relayed while it is down; it comes back with its log and serves it again.
    await start('n1');
    await allUp();
    await sendMore(50);
    await allHandled();
    const hosts = await hostsOfAcc();
    expect(hosts).toHaveLength(1);
    expect(hosts[0]?.epoch).toBeGreaterThan(before.epoch);
    const epochs = hostedEpochs();
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    expect(new Set(epochs).size).toBe(epochs.length);
  }, 120_000);

  it('the target dies during the move: every message is handled, the agent stays where it was', async () => {
    const source = (await ask<{ node: string }>('n2', { type: 'placement', id: 'acc' })).node;
    const target = nodes.find((node) => node !== source) as string;
    const sending = sendMore(200);
    client.system.send(acc, { type: 'sleep', ms: 1_000 });
    const moving = ask<{ ok: boolean; code?: string }>(source, {
      type: 'migrate',
      id: 'acc',
      to: target,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await kill(target);
    expect(await moving).toMatchObject({ ok: false });
    await sending;
    await allHandled();
    const hosts = await hostsOfAcc();
    expect(hosts).toHaveLength(1);
    const placement = await ask<{ node: string }>(source, { type: 'placement', id: 'acc' });
    expect(placement.node).toBe(source);
    expect(handledSeqs().size).toBe(sent);
  }, 120_000);
});
