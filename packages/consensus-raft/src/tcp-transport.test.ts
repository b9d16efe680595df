import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../test/support/free-port';
import type { RaftError } from './errors';
import type { RaftMessage } from './messages';
import { startTcpTransport, type TcpTransport } from './tcp-transport';

const open: TcpTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

const host = '127.0.0.1';
const message = (
  from: string,
  to: string,
  index: number,
  extra: Partial<RaftMessage> = {},
): RaftMessage => ({
  type: 'append',
  from,
  to,
  term: 3,
  logTerm: 2,
  index,
  entries: [],
  commit: 1,
  reject: false,
  rejectHint: 0,
  context: '',
  snapshot: null,
  ...extra,
});

async function pair(
  options: { maxQueuedMessages?: number; onDeliveryError?: (error: RaftError) => void } = {},
) {
  const [portA, portB] = [await freePort(), await freePort()];
  const peers = { a: { host, port: portA }, b: { host, port: portB } };
  const a = await startTcpTransport({
    id: 'a',
    listen: peers.a,
    peers,
    reconnectMs: { min: 5, max: 20 },
    ...options,
  });
  const b = await startTcpTransport({
    id: 'b',
    listen: peers.b,
    peers,
    reconnectMs: { min: 5, max: 20 },
    ...options,
  });
  open.push(a, b);
  return { a, b, peers };
}

function collect(transport: TcpTransport): RaftMessage[] {
  const received: RaftMessage[] = [];
  transport.listen((m) => received.push(m));
  return received;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('startTcpTransport', () => {
  it('carries messages both ways in order', async () => {
    const { a, b } = await pair();
    const atA = collect(a);
    const atB = collect(b);
    const data = new Uint8Array([1, 2, 3]);
    const sent = Array.from({ length: 50 }, (_, i) =>
      message('a', 'b', i, { entries: [{ index: i, term: 3, type: 'normal', data }] }),
    );
    a.send(sent.slice(0, 25));
    a.send(sent.slice(25));
    b.send([message('b', 'a', 7, { type: 'append-response' })]);
    await until(() => atB.length === 50 && atA.length === 1, 'delivery');
    expect(atB).toEqual(sent);
    expect(atA[0]).toMatchObject({ type: 'append-response', index: 7 });
    expect(a.stats()).toMatchObject({ sent: 50, dropped: 0 });
  });

  it('redials a peer that restarts and delivers what waited, dropping the oldest past the bound', async () => {
    const { a, b, peers } = await pair({ maxQueuedMessages: 10 });
    const atB = collect(b);
    a.send([message('a', 'b', 0)]);
    await until(() => atB.length === 1, 'first delivery');
    await b.close();
    // Let a notice the lost connection, then queue more than the bound while b is down.
    await new Promise((resolve) => setTimeout(resolve, 30));
    a.send(Array.from({ length: 100 }, (_, i) => message('a', 'b', 100 + i)));
    const b2 = await startTcpTransport({ id: 'b', listen: peers.b, peers });
    open.push(b2);
    const atB2 = collect(b2);
    await until(() => atB2.length === 10, 'delivery after the restart');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(atB2.map((m) => m.index)).toEqual(Array.from({ length: 10 }, (_, i) => 190 + i));
    expect(a.stats().dropped).toBe(90);
    expect(a.stats().connects).toBe(2);
  });

  it('drops messages to unknown peers and for other nodes, without throwing', async () => {
    const { a, b } = await pair();
    const atB = collect(b);
    a.send([message('a', 'nobody', 1), message('a', 'b', 2)]);
    await until(() => atB.length === 1, 'delivery');
    expect(a.stats().dropped).toBe(1);
  });

  it('disconnects a sender of garbage or oversized frames and keeps serving others', async () => {
    const { a, b, peers } = await pair();
    const atB = collect(b);
    for (const payload of [
      Buffer.from([5, 0, 0, 0, 99, 1, 2, 3, 4]),
      Buffer.from([0xff, 0xff, 0xff, 0x7f]),
    ]) {
      const socket = connect(peers.b.port, host);
      await new Promise<void>((resolve) => socket.on('connect', resolve));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('error', () => undefined);
      socket.write(payload);
      await closed;
    }
    expect(b.stats().badFrames).toBe(2);
    a.send([message('a', 'b', 9)]);
    await until(() => atB.length === 1, 'delivery after garbage');
  });

  it('keeps the connection when the handler throws, and reports each throw', async () => {
    const reported: RaftError[] = [];
    const { a, b } = await pair({ onDeliveryError: (error) => reported.push(error) });
    let calls = 0;
    b.listen(() => {
      calls += 1;
      throw new Error('handler failed');
    });
    a.send([message('a', 'b', 1)]);
    a.send([message('a', 'b', 2)]);
    await until(() => calls === 2, 'both deliveries');
    expect(a.stats().connects).toBe(1);
    expect(b.stats()).toMatchObject({ received: 2, failed: 2 });
    expect(reported.map((error) => error.code)).toEqual([
      'RAFT_DELIVERY_FAILED',
      'RAFT_DELIVERY_FAILED',
    ]);
    expect(reported[0]?.message).toBe(
      'tcp transport: the handler of node "b" threw on a message from "a": handler failed',
    );
  });

  it('refuses bad options with typed errors', async () => {
    await expect(
      startTcpTransport({ id: '', listen: { host, port: 0 }, peers: {} }),
    ).rejects.toMatchObject({
      code: 'RAFT_INVALID_OPTIONS',
      message: 'startTcpTransport: id must be a non-empty string, got ""',
    });
    await expect(
      startTcpTransport({ id: 'a', listen: { host, port: 70000 }, peers: {} }),
    ).rejects.toThrow(/listen\.port must be an integer in \[0, 65535\], got 70000/);
    await expect(
      startTcpTransport({ id: 'a', listen: { host, port: 0 }, peers: { b: { host, port: 0 } } }),
    ).rejects.toThrow(/peers\.b\.port/);
    await expect(
      startTcpTransport({ id: 'a', listen: { host, port: 0 }, peers: {}, maxQueuedMessages: 0 }),
    ).rejects.toThrow(/maxQueuedMessages/);
    await expect(
      startTcpTransport({
        id: 'a',
        listen: { host, port: 0 },
        peers: {},
        onDeliveryError: 'log' as never,
      }),
    ).rejects.toThrow(/onDeliveryError must be a function, got "log"/);
  });
});
