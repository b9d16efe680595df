import { createManualClock, createRandom } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { RaftMessage } from './messages';
import { createSimulatedNetwork } from './simulated-network';

const message = (from: string, to: string, index: number): RaftMessage => ({
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

function setup(faults = {}) {
  const clock = createManualClock();
  const network = createSimulatedNetwork({ clock, random: createRandom(5), ...faults });
  const received = new Map<string, number[]>();
  const transports = ['a', 'b', 'c'].map((id) => {
    const transport = network.transport(id);
    received.set(id, []);
    transport.listen((m) => received.get(id)?.push(m.index));
    return transport;
  });
  return { clock, network, received, transports };
}

describe('createSimulatedNetwork', () => {
  it('delivers in order in a microtask without faults', async () => {
    const { received, transports } = setup();
    transports[0]?.send([message('a', 'b', 1), message('a', 'b', 2), message('a', 'c', 3)]);
    expect(received.get('b')).toEqual([]);
    await Promise.resolve();
    expect(received.get('b')).toEqual([1, 2]);
    expect(received.get('c')).toEqual([3]);
  });

  it('drops, duplicates and reorders at the configured rates', () => {
    const { clock, network, received, transports } = setup({
      dropRate: 0.2,
      duplicateRate: 0.1,
      minDelayMs: 1,
      maxDelayMs: 50,
    });
    const sent = Array.from({ length: 1000 }, (_, i) => message('a', 'b', i));
    transports[0]?.send(sent);
    clock.advance(100);
    const got = received.get('b') ?? [];
    const stats = network.stats();
    expect(stats.dropped).toBeGreaterThan(150);
    expect(stats.dropped).toBeLessThan(250);
    expect(stats.duplicated).toBeGreaterThan(50);
    expect(got.length).toBe(1000 - stats.dropped + stats.duplicated);
    expect(got).not.toEqual([...got].sort((x, y) => x - y));
  });

  it('partitions both ways, cuts one way, and heals', async () => {
    const { network, received, transports } = setup();
    network.partition(['a'], ['b']);
    network.cut('c', 'a');
    transports[0]?.send([message('a', 'b', 1), message('a', 'c', 2)]);
    transports[1]?.send([message('b', 'a', 3)]);
    transports[2]?.send([message('c', 'a', 4), message('c', 'b', 5)]);
    await Promise.resolve();
    expect(received.get('a')).toEqual([]);
    expect(received.get('b')).toEqual([5]);
    expect(received.get('c')).toEqual([2]);
    network.heal();
    transports[1]?.send([message('b', 'a', 6)]);
    await Promise.resolve();
    expect(received.get('a')).toEqual([6]);
  });

  it('refuses a rate outside [0, 1]', () => {
    expect(() =>
      createSimulatedNetwork({ clock: createManualClock(), random: createRandom(1), dropRate: 2 }),
    ).toThrow(expect.objectContaining({ code: 'RAFT_INVALID_OPTIONS' }));
  });
});
