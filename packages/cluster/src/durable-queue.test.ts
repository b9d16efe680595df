import type { ChildProcess } from 'node:child_process';
import { VarplaneError } from '@varplane/core';
import type { Behaviour } from '@varplane/runtime';
import { type NatsServer, startNats } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../test/eventually';
import { killHard, spawnScript } from '../test/spawn-script';
import { type ClusterNode, startClusterNode } from './cluster-node';
import { startDurableQueue } from './durable-queue';

describe("send with delivery 'at-least-once' through JetStream", () => {
  let nats: NatsServer;
  let client: ClusterNode;
  const log: string[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    nats = await startNats({ jetstream: true });
    client = await startClusterNode({
      cluster: 'dq',
      node: 'client',
      servers: nats.url,
      atLeastOnce: { ackWaitMs: 1_000 },
    });
    const recorder: Behaviour<null, string> = {
      name: 'log',
      init: () => null,
      handle(line, state) {
        log.push(line);
        return state;
      },
    };
    client.system.spawn(recorder, undefined, { id: 'log' });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(children.map((child) => killHard(child)));
    await client?.stop();
    await nats?.stop();
  });

  it('a kill -9 of the hosting process between receiving and acknowledging loses nothing', async () => {
    const config = { cluster: 'dq', node: 'n1', servers: [nats.url], ackWaitMs: 1_000 };
    const first = await spawnScript('./durable-worker-process.ts', { ...config, hangOn: 5 });
    children.push(first);
    const worker = { id: 'worker', node: 'n1' };
    for (let n = 1; n <= 10; n++) {
      expect(client.system.send(worker, { n }, { delivery: 'at-least-once' })).toBe(true);
    }
    await eventually(
      () => log.slice(),
      (lines) => lines.includes('n1 started 5'),
      15_000,
    );
    // Message 5 is in hand, 6..10 wait behind it: none of them is acknowledged.
    await killHard(first);
    expect(log.filter((line) => line.includes('done'))).toEqual(
      [1, 2, 3, 4].map((n) => `n1 done ${n}`),
    );

    children.push(await spawnScript('./durable-worker-process.ts', config));
    const done = await eventually(
      () => log.filter((line) => line.includes('done')),
      (lines) => lines.length >= 10,
      20_000,
    );
    // Every message handled to the end exactly once; 5 was started twice. (Redelivery after a
    // crash keeps no order: 5 may come after 6..10.)
    expect([...done].sort((a, b) => Number(a.split(' ')[2]) - Number(b.split(' ')[2]))).toEqual(
      Array.from({ length: 10 }, (_, i) => `n1 done ${i + 1}`),
    );
    expect(log.filter((line) => line === 'n1 started 5')).toHaveLength(2);
    expect(client.durable?.stats().stored).toBe(10);
  }, 60_000);

  it('a store for a node that never started waits in its queue until the node serves it', async () => {
    const worker = { id: 'worker', node: 'late' };
    await client.durable?.store(worker, { n: 1 });
    const child = await spawnScript('./durable-worker-process.ts', {
      cluster: 'dq',
      node: 'late',
      servers: [nats.url],
      ackWaitMs: 1_000,
    });
    children.push(child);
    await eventually(
      () => log.slice(),
      (lines) => lines.includes('late done 1'),
      15_000,
    );
    await killHard(child);
  }, 60_000);

  it('refuses what it cannot carry and bad options, with typed errors', async () => {
    expect(() =>
      client.system.send({ id: 'x', node: 'n1' }, { n: 1n }, { delivery: 'at-least-once' }),
    ).not.toThrow();
    await expect(client.durable?.store({ id: 'x', node: 'n1' }, { n: 1n })).rejects.toMatchObject({
      code: 'CLUSTER_MESSAGE_NOT_SERIALIZABLE',
    });
    await expect(
      startDurableQueue({
        connection: client.connection,
        cluster: 'dq',
        node: 'n9',
        ackWaitMs: -5,
      }),
    ).rejects.toThrow(/ackWaitMs: Too small: expected number to be >=100 \(got -5\)/);
    const queue = await startDurableQueue({
      connection: client.connection,
      cluster: 'dq',
      node: 'n8',
    });
    try {
      // Relaying another node's queue needs this node's own served with routing first.
      await expect(queue.relay('n7')).rejects.toMatchObject({ code: 'CLUSTER_INVALID_ARGUMENT' });
      await expect(queue.serve(client.system, { placedOn: 'n2' } as never)).rejects.toThrow(
        /routing.placedOn must be a function, got string/,
      );
      await queue.serve(client.system, { placedOn: () => undefined });
      for (const bad of ['', 'n8', 42]) {
        await expect(queue.relay(bad as string)).rejects.toThrow(
          `relay: expected another node's name, got ${JSON.stringify(bad)}`,
        );
      }
    } finally {
      await queue.close();
    }
    const plain = await startClusterNode({ cluster: 'dq', node: 'plain', servers: nats.url });
    try {
      expect(() =>
        plain.system.send({ id: 'worker', node: 'n1' }, {}, { delivery: 'at-least-once' }),
      ).toThrow(expect.objectContaining({ code: 'CLUSTER_REQUIRED' }));
    } finally {
      await plain.stop();
    }
  });

  it('gives up waiting for JetStream at its deadline with CLUSTER_JETSTREAM_UNAVAILABLE', async () => {
    const bare = await startNats({ jetstream: false });
    try {
      const failure = await startClusterNode({
        cluster: 'dq',
        node: 'nojs',
        servers: bare.url,
        atLeastOnce: { readyTimeoutMs: 600 },
      }).catch((error: unknown) => error);
      expect(VarplaneError.isInstance(failure, 'CLUSTER_JETSTREAM_UNAVAILABLE')).toBe(true);
      expect(String(failure)).toMatch(/did not answer within 600 ms/);
    } finally {
      await bare.stop();
    }
  });
});
