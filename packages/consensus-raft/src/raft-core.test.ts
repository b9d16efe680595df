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

  it('lets a ready skip waiting for its write only where nothing depends on it', () => {
    const c = cluster(['a', 'b', 'c'], { preVote: false });
    // A candidate's term and vote must be on disk before it asks for votes.
    c.node('a').core.campaign();
    const campaign = c.node('a').core.ready();
    expect(campaign.messages.map((m) => m.type)).toContain('vote');
    expect(campaign).toMatchObject({ sendBeforeWrite: false, applyBeforeWrite: true });
    c.node('a').core.advance();
    c.send(campaign.messages);
    // And a vote granted must be on disk before the answer goes.
    c.deliverTo(['b']);
    const vote = c.node('b').core.ready();
    expect(vote.messages.map((m) => [m.type, m.reject])).toEqual([['vote-response', false]]);
    expect(vote.sendBeforeWrite).toBe(false);
    c.node('b').core.advance();
    c.send(vote.messages);
    c.stabilize();
    expect(c.leaders()).toEqual(['a']);

    // The leader may send the entries it is writing; a follower acknowledges them only once they
    // are written, and applies nothing of this write before it is done.
    c.node('a').core.propose(text('x'));
    const lead = c.node('a').core.ready();
    expect(lead.entries).toHaveLength(1);
    expect(lead).toMatchObject({ sendBeforeWrite: true, applyBeforeWrite: false });
    c.node('a').core.advance();
    c.send(lead.messages);
    c.deliverTo(['b']);
    const follow = c.node('b').core.ready();
    expect(follow.entries).toHaveLength(1);
    expect(follow).toMatchObject({ sendBeforeWrite: false, applyBeforeWrite: false });
    c.node('b').core.advance();
    c.send(follow.messages);
    c.deliverTo(['a']);
    // Committed: the leader writes only its commit index, so it tells and applies at once.
    const commit = c.node('a').core.ready();
    expect(commit.entries).toHaveLength(0);
    expect(commit.committedEntries.map((e) => e.index)).toEqual([2]);
    expect(commit).toMatchObject({ sendBeforeWrite: true, applyBeforeWrite: true });
  });

  it('hands out forwards to the leader apart from the ready', () => {
    const c = cluster();
    c.node('a').core.campaign();
    c.stabilize();
    c.node('b').core.propose(text('fwd'), 'p1');
    const forwards = c.node('b').core.takeForwards();
    expect(forwards.map((m) => [m.type, m.to, m.term])).toEqual([['propose', 'a', 0]]);
    expect(c.node('b').core.takeForwards()).toEqual([]);
    c.send(forwards);
    c.stabilize();
    expect(c.node('b').proposals).toEqual([{ context: 'p1', index: 2, term: 1, dropped: false }]);
    expect(c.node('c').applied).toEqual(['fwd']);
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
