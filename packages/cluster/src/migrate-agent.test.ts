import type { NatsConnection } from '@nats-io/transport-node';
import { VarplaneError } from '@varplane/core';
import { type ActorSystem, type Behaviour, createActorSystem } from '@varplane/runtime';
import { type NatsCluster, startNatsCluster } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MigrationSource, migrateAgent } from './migrate-agent';
import { connectNats } from './nats-connection';
import { createNatsRemoteTransport, type NatsRemoteTransport } from './nats-remote-transport';

type Message = { type: 'n'; sender: string; seq: number } | { type: 'log' };

/** Records numbered messages; its handler awaits, as an LM agent's does. */
const recorder: Behaviour<Array<[string, number]>, Message> = {
  name: 'recorder',
  init: () => [],
  async handle(message, seen, ctx) {
    await new Promise((resolve) => setImmediate(resolve));
    if (message.type === 'n') return [...seen, [message.sender, message.seq] as [string, number]];
    ctx.reply(seen);
    return seen;
  },
};

describe('migrateAgent over NATS', () => {
  let nats: NatsCluster;
  const connections: NatsConnection[] = [];
  const transports: NatsRemoteTransport[] = [];
  const systems = new Map<string, ActorSystem>();
  const members = new Map<string, MigrationSource>();

  beforeAll(async () => {
    nats = await startNatsCluster({ size: 2, jetstream: false });
    for (const [i, node] of ['n1', 'n2', 'client'].entries()) {
      const connection = await connectNats(nats.urls[i % 2] as string, node);
      connections.push(connection);
      const transport = createNatsRemoteTransport({ connection, cluster: 'mig', node });
      transports.push(transport);
      const system = createActorSystem({ node, transport, callTimeoutMs: 5_000 });
      transport.serve(system, { behaviours: [recorder] });
      systems.set(node, system);
      members.set(node, { cluster: 'mig', node, system, connection });
    }
    systems.get('n1')?.spawn(recorder, undefined, { id: 'acc' });
    for (const connection of connections) await connection.flush();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(transports.map((transport) => transport.close()));
    for (const system of systems.values()) await system.shutdown();
    await Promise.all(connections.map((connection) => connection.close()));
    await nats?.stop();
  });

  it('moves an agent n1 -> n2 while three senders write to its old ref: no gap, no duplicate, FIFO', async () => {
    const client = systems.get('client') as ActorSystem;
    const old = { id: 'acc', node: 'n1' };
    const senders = ['a', 'b', 'c'];
    const PER_SENDER = 600;
    let seq = 0;
    const sendSome = (count: number) => {
      for (let i = 0; i < count; i++, seq++) {
        for (const sender of senders) client.send(old, { type: 'n', sender, seq });
      }
    };
    sendSome(200);
    // A call made before the move, queued behind the sends, is answered from wherever it runs.
    const earlyLog = client.call<Array<[string, number]>>(
      old,
      { type: 'log' },
      { timeout: 15_000 },
    );
    const moving = migrateAgent(members.get('n1') as MigrationSource, 'acc', 'n2');
    sendSome(200);
    const moved = await moving;
    expect(moved).toEqual({ id: 'acc', node: 'n2' });
    sendSome(PER_SENDER - 400);
    expect((await earlyLog).length).toBeGreaterThanOrEqual(600);
    // Senders that still use the old ref reach it through n1's forwarding, in order.
    let seen: Array<[string, number]> = [];
    const deadline = Date.now() + 20_000;
    while (seen.length < senders.length * PER_SENDER && Date.now() < deadline) {
      seen = await client.call(moved, { type: 'log' }, { timeout: 10_000 });
      if (seen.length < senders.length * PER_SENDER)
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen).toHaveLength(senders.length * PER_SENDER);
    for (const sender of senders) {
      expect(seen.filter(([from]) => from === sender).map(([, n]) => n)).toEqual(
        Array.from({ length: PER_SENDER }, (_, i) => i),
      );
    }
    expect(systems.get('n2')?.info('acc')?.status).toBeDefined();
  }, 60_000);

  it('keeps the agent where it was when the target cannot run it', async () => {
    const n2 = systems.get('n2') as ActorSystem;
    const stranger: Behaviour<number, unknown> = {
      name: 'stranger',
      init: () => 0,
      handle: (_, s) => s,
    };
    n2.spawn(stranger, undefined, { id: 'stays' });
    const error = await migrateAgent(members.get('n2') as MigrationSource, 'stays', 'n1').catch(
      (caught: unknown) => caught,
    );
    expect(VarplaneError.isInstance(error, 'CLUSTER_UNKNOWN_BEHAVIOUR')).toBe(true);
    // Resumed on n2: it still handles mail there.
    expect(n2.send('stays', 'hello')).toBe(true);
    await n2.whenIdle();
    expect(n2.info('stays')?.messagesHandled).toBe(1);
  });

  it('rejects with CLUSTER_MIGRATION_FAILED when no node serves the target, and resumes the agent', async () => {
    const n2 = systems.get('n2') as ActorSystem;
    const error = await migrateAgent(members.get('n2') as MigrationSource, 'acc', 'n9', {
      timeoutMs: 1_000,
    }).catch((caught: unknown) => caught);
    expect(VarplaneError.isInstance(error, 'CLUSTER_MIGRATION_FAILED')).toBe(true);
    const log = await n2.call<unknown[]>('acc', { type: 'log' });
    expect(log.length).toBe(1_800);
  });
});
