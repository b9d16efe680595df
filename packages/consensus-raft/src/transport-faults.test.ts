import { createManualClock, createRandom, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { RaftError } from './errors';
import { createMemoryStorage } from './memory-storage';
import type { RaftMessage } from './messages';
import { type RaftEvent, startRaftNode } from './raft-node';
import { createSimulatedNetwork } from './simulated-network';
import type { RaftTransport } from './transport';

const heartbeat = (from: string, to: string, index: number): RaftMessage => ({
  type: 'heartbeat',
  from,
  to,
  term: 1,
  logTerm: 0,
  index,
  entries: [],
  commit: 0,
  reject: false,
  rejectHint: 0,
  context: '',
  snapshot: null,
});
const turns = async (n = 10) => {
  for (let i = 0; i < n; i += 1) await Promise.resolve();
};

describe('a simulated network whose handler throws', () => {
  it('reports each failed delivery as RAFT_DELIVERY_FAILED and goes on with the rest, with or without delays', async () => {
    for (const delays of [{}, { minDelayMs: 1, maxDelayMs: 3 }]) {
      const clock = createManualClock();
      const reported: RaftError[] = [];
      const network = createSimulatedNetwork({
        clock,
        random: createRandom(3),
        ...delays,
        onDeliveryError: (error) => reported.push(error),
      });
      const a = network.transport('a');
      const received: number[] = [];
      network.transport('b').listen((m) => {
        if (m.index === 2) throw new TypeError('handler bug');
        received.push(m.index);
      });
      a.send([heartbeat('a', 'b', 1), heartbeat('a', 'b', 2), heartbeat('a', 'b', 3)]);
      await turns();
      clock.advance(5);
      expect(received.sort()).toEqual([1, 3]);
      expect(network.stats()).toMatchObject({ sent: 3, delivered: 3, failed: 1 });
      expect(reported.map((e) => e.code)).toEqual(['RAFT_DELIVERY_FAILED']);
      expect(reported[0]?.message).toMatch(/node "b" threw on a message from "a": handler bug/);
      expect(reported[0]?.cause).toMatchObject({ message: 'handler bug' });
    }
  });

  it('without onDeliveryError, or when it throws too, the failure becomes a process warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      for (const onDeliveryError of [
        undefined,
        () => {
          throw new Error('reporter bug');
        },
      ]) {
        const network = createSimulatedNetwork({
          clock: createManualClock(),
          random: createRandom(1),
          ...(onDeliveryError ? { onDeliveryError } : {}),
        });
        network.transport('b').listen(() => {
          throw 'a string';
        });
        network.transport('a').send([heartbeat('a', 'b', 1)]);
        await turns();
        expect(network.stats().failed).toBe(1);
      }
      await new Promise((resolve) => setImmediate(resolve));
      const ours = warnings.filter((w) => VarplaneError.isInstance(w, 'RAFT_DELIVERY_FAILED'));
      expect(ours.map((w) => w.message)).toEqual([
        expect.stringMatching(/threw on a message from "a": a string$/),
        expect.stringMatching(/a string \(and onDeliveryError threw\)$/),
      ]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('refuses an onDeliveryError that is not a function', () => {
    expect(() =>
      createSimulatedNetwork({
        clock: createManualClock(),
        random: createRandom(1),
        onDeliveryError: 'log' as never,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'RAFT_INVALID_OPTIONS',
        message: expect.stringMatching(/onDeliveryError.*"log"/),
      }),
    );
  });
});

/** A one-node transport whose faults are chosen per test. */
function faultyTransport(faults: { send?: () => void; close?: () => void }) {
  let handler: ((message: RaftMessage) => void) | undefined;
  const transport: RaftTransport = {
    id: 'solo',
    send: () => faults.send?.(),
    listen: (h) => {
      handler = h;
    },
    close: (() => {
      faults.close?.();
      return Promise.resolve();
    }) as RaftTransport['close'],
  };
  return { transport, deliver: (m: RaftMessage) => handler?.(m) };
}

async function soloNode(transport: RaftTransport) {
  const node = await startRaftNode({
    id: 'solo',
    peers: ['solo'],
    storage: createMemoryStorage(),
    transport,
    clock: createManualClock(),
    random: createRandom(9),
  });
  const events: RaftEvent[] = [];
  node.events$.subscribe((event) => events.push(event));
  return { node, events };
}

describe('a Raft node over a transport that throws', () => {
  it('a throwing send stops the node with RAFT_STOPPED on events$ and in pending calls; a throwing close still lets stop() resolve', async () => {
    const { transport } = faultyTransport({
      send: () => {
        throw new Error('socket gone');
      },
      close: () => {
        throw new Error('close bug');
      },
    });
    const { node, events } = await soloNode(transport);
    node.campaign();
    const pending = node.propose(new Uint8Array([1])).catch((e: unknown) => e);
    await turns(20);
    const stopped = events.find((e) => e.type === 'node-stopped');
    expect(stopped).toMatchObject({ error: { code: 'RAFT_STOPPED' } });
    expect((stopped as { error: RaftError }).error.message).toMatch(/stopped: socket gone/);
    expect(await pending).toMatchObject({ code: 'RAFT_STOPPED' });
    await expect(node.stop()).resolves.toBeUndefined();
    await expect(node.propose(new Uint8Array([2]))).rejects.toMatchObject({ code: 'RAFT_STOPPED' });
  });

  it('a throwing close alone does not make stop() reject', async () => {
    const { transport } = faultyTransport({
      close: () => {
        throw new Error('close bug');
      },
    });
    const { node, events } = await soloNode(transport);
    await expect(node.stop()).resolves.toBeUndefined();
    expect(events.at(-1)).toEqual({ type: 'node-stopped', error: null });
  });

  it('a message that fails inside the node after passing its checks stops the node instead of throwing into the transport', async () => {
    const { transport, deliver } = faultyTransport({});
    const { node, events } = await soloNode(transport);
    // Passes the message check, then throws when the node reads its term again.
    let reads = 0;
    const message = { ...heartbeat('peer', 'solo', 0) } as Record<string, unknown>;
    Object.defineProperty(message, 'term', {
      get() {
        reads += 1;
        if (reads > 1) throw new Error('term read twice');
        return 1;
      },
    });
    expect(() => deliver(message as unknown as RaftMessage)).not.toThrow();
    await turns();
    const stopped = events.find((e) => e.type === 'node-stopped');
    expect(stopped).toMatchObject({ error: { code: 'RAFT_STOPPED' } });
    expect((stopped as { error: RaftError }).error.message).toMatch(
      /a message failed: term read twice/,
    );
    await expect(node.read()).rejects.toMatchObject({ code: 'RAFT_STOPPED' });
  });
});
