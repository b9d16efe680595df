import type { NatsConnection } from '@nats-io/transport-node';
import {
  createMemoryStorage,
  type Entry,
  encodeRaftMessage,
  type RaftError,
  type RaftNode,
  startRaftNode,
} from '@varplane/consensus-raft';
import { createRandom, systemClock } from '@varplane/core';
import { type NatsCluster, startNatsCluster } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../test/eventually';
import { connectNats } from './nats-connection';
import { createNatsRaftTransport, type NatsRaftTransport } from './nats-raft-transport';
import { raftSubject, subjectToken } from './subjects';

const ids = ['n1', 'n.2', '__proto__'];
const text = new TextEncoder();
const read = new TextDecoder();

const until = (check: () => boolean, withinMs: number, what: string) =>
  eventually(check, Boolean, withinMs).catch(() => {
    throw new Error(`not within ${withinMs} ms: ${what}`);
  });

describe('Raft over NATS (three real nats-servers in one cluster)', () => {
  let nats: NatsCluster;
  const connections: NatsConnection[] = [];
  const nodes = new Map<string, RaftNode>();
  const transports = new Map<string, NatsRaftTransport>();
  const applied = new Map<string, string[]>();

  beforeAll(async () => {
    nats = await startNatsCluster({ size: 3, jetstream: false });
    for (const [i, id] of ids.entries()) {
      // Each node talks to a different server, so every message crosses a route.
      const connection = await connectNats(nats.urls[i] as string, id);
      connections.push(connection);
      const transport = createNatsRaftTransport({ connection, cluster: 'team one', id });
      transports.set(id, transport);
      applied.set(id, []);
      const node = await startRaftNode({
        id,
        peers: ids,
        storage: createMemoryStorage(),
        transport,
        clock: systemClock,
        random: createRandom(i + 1),
        tickMs: 20,
        stateMachine: {
          apply: (entry: Entry) => applied.get(id)?.push(read.decode(entry.data)),
          snapshot: () => new Uint8Array(),
          restore: () => {},
        },
      });
      nodes.set(id, node);
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...nodes.values()].map((node) => node.stop().catch(() => undefined)));
    await Promise.all(connections.map((connection) => connection.close()));
    await nats?.stop();
  });

  const leader = () => [...nodes.values()].find((node) => node.status().role === 'leader');

  it('elects one leader and applies 200 proposals in the same order on every node', async () => {
    await until(() => leader() !== undefined, 15_000, 'a leader');
    const first = leader() as RaftNode;
    const values = Array.from({ length: 200 }, (_, i) => `v${i}`);
    // Proposals go through any node: followers forward them to the leader.
    const proposers = [...nodes.values()];
    await Promise.all(
      values.map((value, i) =>
        (proposers[i % 3] as RaftNode).propose(text.encode(value), { timeoutMs: 20_000 }),
      ),
    );
    await until(() => ids.every((id) => applied.get(id)?.length === 200), 15_000, 'all applied');
    const order = applied.get(first.id);
    expect(new Set(order)).toEqual(new Set(values));
    for (const id of ids) expect(applied.get(id)).toEqual(order);
    expect(transports.get(first.id)?.stats().dropped).toBe(0);
  }, 60_000);

  it('keeps committing after the leader stops: a new leader among the other two', async () => {
    const old = leader() as RaftNode;
    await old.stop();
    nodes.delete(old.id);
    await until(() => leader() !== undefined && leader()?.id !== old.id, 15_000, 'a new leader');
    const next = leader() as RaftNode;
    const result = await next.propose(text.encode('after failover'), { timeoutMs: 10_000 });
    expect(result.index).toBeGreaterThan(200);
    await until(
      () => [...nodes.keys()].every((id) => applied.get(id)?.at(-1) === 'after failover'),
      10_000,
      'the survivors applied it',
    );
  }, 60_000);

  it('drops what is not a Raft message for this node and counts it', async () => {
    const survivor = [...nodes.keys()][0] as string;
    const before = transports.get(survivor)?.stats().dropped ?? 0;
    const connection = connections[0] as NatsConnection;
    connection.publish(raftSubject('team one', survivor), text.encode('not raft'));
    await connection.flush();
    await until(
      () => (transports.get(survivor)?.stats().dropped ?? 0) === before + 1,
      5_000,
      'counted',
    );
  });
});

describe('a Raft handler that throws', () => {
  let nats: NatsCluster;
  const open: NatsConnection[] = [];
  beforeAll(async () => {
    nats = await startNatsCluster({ size: 1, jetstream: false });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await nats?.stop();
  });

  it('is reported as RAFT_DELIVERY_FAILED and the transport keeps delivering', async () => {
    const connection = await connectNats(nats.urls[0] as string, 'b');
    open.push(connection);
    const reported: RaftError[] = [];
    const transport = createNatsRaftTransport({
      connection,
      cluster: 'throws',
      id: 'b',
      onDeliveryError: (error) => reported.push(error),
    });
    const seen: number[] = [];
    transport.listen((message) => {
      if (message.term === 1) throw new Error('boom');
      seen.push(message.term);
    });
    const message = (term: number) =>
      encodeRaftMessage({
        type: 'append',
        from: 'a',
        to: 'b',
        term,
        logTerm: 0,
        index: 0,
        entries: [],
        commit: 0,
        reject: false,
        rejectHint: 0,
        context: '',
        snapshot: null,
      } as never);
    connection.publish(raftSubject('throws', 'b'), message(1));
    connection.publish(raftSubject('throws', 'b'), message(2));
    await connection.flush();
    await until(() => seen.length === 1, 5_000, 'the second message delivered');
    expect(seen).toEqual([2]);
    expect(transport.stats()).toMatchObject({ received: 2, failed: 1 });
    expect(reported.map((e) => e.code)).toEqual(['RAFT_DELIVERY_FAILED']);
    expect(reported[0]?.message).toContain('handler of node "b" threw on a message from "a": boom');
    await transport.close();
  });

  it('refuses an onDeliveryError that is not a function', () => {
    expect(() =>
      createNatsRaftTransport({
        connection: {} as never,
        cluster: 'c',
        id: 'x',
        onDeliveryError: 'log' as never,
      }),
    ).toThrow(expect.objectContaining({ code: 'CLUSTER_INVALID_ARGUMENT' }));
  });
});

describe('subject tokens', () => {
  it('keep plain ids and encode the rest so no two ids share a token', () => {
    expect(subjectToken('node-1_a')).toBe('node-1_a');
    expect(subjectToken('n.2')).toBe('~6e2e32');
    expect(subjectToken('>')).toBe('~3e');
    expect(subjectToken('~3e')).not.toBe(subjectToken('>'));
    expect(raftSubject('team one', '__proto__')).toBe('vp.~7465616d206f6e65.raft.__proto__');
  });
});
