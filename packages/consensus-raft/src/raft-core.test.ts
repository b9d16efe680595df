import { createRandom } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createRaftCore } from './raft-core';
import { SimCluster, text } from './simulation/sim-cluster';

const cluster = (ids = ['a', 'b', 'c'], core = {}) => new SimCluster({ voters: ids, core });

describe('raft core', () => {
  it('elects a leader after a campaign and commits its no-op', () => {
    const c = cluster();
    c.node('a').core.campaign();
    c.stabilize();
    expect(c.leaders()).toEqual(['a']);
    for (const id of ['a', 'b', 'c']) {
      expect(c.node(id).core.status()).toMatchObject({ term: 1, leader: 'a', commit: 1 });
    }
  });

  it('replicates proposals to every node in order', () => {
    const c = cluster();
    c.node('a').core.campaign();
    c.stabilize();
    for (const value of ['x', 'y', 'z']) c.node('a').core.propose(text(value));
    c.stabilize();
    for (const id of ['a', 'b', 'c']) expect(c.node(id).applied).toEqual(['x', 'y', 'z']);
  });

  it('a follower forwards proposals to the leader and learns where they landed', () => {
    const c = cluster();
    c.node('a').core.campaign();
    c.stabilize();
    expect(c.node('b').core.propose(text('fwd'), 'p1')).toEqual({ type: 'forwarded', leader: 'a' });
    c.stabilize();
    expect(c.node('b').proposals).toEqual([{ context: 'p1', index: 2, term: 1, dropped: false }]);
    expect(c.node('c').applied).toEqual(['fwd']);
  });

  it('elects through ticks alone', () => {
    const c = cluster();
    for (let i = 0; i < 40 && c.leaders().length === 0; i++) {
      for (const id of ['a', 'b', 'c']) c.node(id).core.tick();
      c.stabilize();
    }
    expect(c.leaders()).toHaveLength(1);
  });

  it('a single node commits on its own', () => {
    const c = cluster(['solo']);
    c.node('solo').core.campaign();
    c.node('solo').core.propose(text('one'));
    c.stabilize();
    expect(c.node('solo').applied).toEqual(['one']);
    expect(c.node('solo').core.status().commit).toBe(2);
  });

  it('refuses bad options with a typed error naming the field', () => {
    expect(() => createRaftCore({ id: '', peers: [], random: createRandom(1) })).toThrow(
      expect.objectContaining({
        code: 'RAFT_INVALID_OPTIONS',
        message: expect.stringContaining('id'),
      }),
    );
    expect(() =>
      createRaftCore({
        id: 'a',
        peers: ['a'],
        random: createRandom(1),
        readOnly: 'lease',
        checkQuorum: false,
      }),
    ).toThrow(/readOnly/);
  });
});
