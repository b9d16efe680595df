import {
  type ConsensusStrategy,
  createManualClock,
  VarplaneError,
  type Vote,
} from '@varplane/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { establishConsensus } from './establish-consensus';
import { createInMemoryAgentPort } from './in-memory-agent-port';

const changes = { topology: 'star', maxAgents: 5 };

async function failure(run: Promise<unknown>): Promise<VarplaneError> {
  try {
    await run;
  } catch (error) {
    if (VarplaneError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected consensus to fail');
}

describe('establishConsensus', () => {
  it('accepts what a simple majority approves, with the tally', async () => {
    const votes: Vote[] = [
      { agent: 'a', approve: true },
      { agent: 'b', approve: true },
      { agent: 'c', approve: false },
    ];
    const outcome = await establishConsensus(['a', 'b', 'c'], changes, { votes, proposalId: 'p1' });
    expect(outcome).toEqual({
      proposalId: 'p1',
      algorithm: 'simple_majority',
      ballots: [],
      accepted: changes,
      rejected: [],
      tally: { for: 2, against: 1, absent: 0, total: 3 },
      absent: [],
      votes,
    });
  });

  it('decides change by change when votes split them', async () => {
    const outcome = await establishConsensus(['a', 'b', 'c'], changes, {
      votes: [
        { agent: 'a', approve: true, changes: { maxAgents: false } },
        { agent: 'b', approve: true, changes: { maxAgents: false } },
        { agent: 'c', approve: false, changes: { maxAgents: true } },
      ],
    });
    expect(outcome.accepted).toEqual({ topology: 'star' });
    expect(outcome.rejected).toEqual(['maxAgents']);
  });

  it('counts weights with the weighted algorithm', async () => {
    const voters = [
      { id: 'lead', weight: 3 },
      { id: 'a', weight: 1 },
      { id: 'b', weight: 1 },
    ];
    const votes: Vote[] = [
      { agent: 'lead', approve: true },
      { agent: 'a', approve: false },
      { agent: 'b', approve: false },
    ];
    const weighted = await establishConsensus(voters, changes, { votes, algorithm: 'weighted' });
    expect(weighted.accepted).toEqual(changes);
    expect(weighted.tally).toEqual({ for: 3, against: 2, absent: 0, total: 5 });
    const majority = await establishConsensus(voters, changes, {
      votes,
      algorithm: 'simple_majority',
    });
    expect(majority.accepted).toEqual({});
  });

  it('rejects on a single objection with unanimous, and needs everyone by default', async () => {
    const votes: Vote[] = [
      { agent: 'a', approve: true },
      { agent: 'b', approve: false },
    ];
    const outcome = await establishConsensus(['a', 'b'], changes, {
      votes,
      algorithm: 'unanimous',
    });
    expect(outcome.rejected).toEqual(['topology', 'maxAgents']);
    const error = await failure(
      establishConsensus(['a', 'b', 'c'], changes, {
        votes: [{ agent: 'a', approve: true }],
        algorithm: 'unanimous',
        proposalId: 'p9',
      }),
    );
    expect(error.code).toBe('CONSENSUS_NO_QUORUM');
    expect(error.message).toBe(
      'unanimous vote on proposal p9: 1 of 3 took part, below the quorum of 1; absent: b, c',
    );
    expect((error as unknown as { absent: string[] }).absent).toEqual(['b', 'c']);
  });

  it('needs approvals from a threshold of all weight with quorum', async () => {
    const voters = ['a', 'b', 'c', 'd'];
    const votes: Vote[] = [
      { agent: 'a', approve: true },
      { agent: 'b', approve: true },
      { agent: 'c', approve: true },
    ];
    const passed = await establishConsensus(voters, changes, { votes, algorithm: 'quorum' });
    expect(passed.accepted).toEqual(changes);
    expect(passed.absent).toEqual(['d']);
    const short = await establishConsensus(voters, changes, {
      votes: [...votes.slice(0, 2), { agent: 'c', approve: false }],
      algorithm: 'quorum',
    });
    expect(short.accepted).toEqual({});
  });

  it('fails without quorum, naming the absent', async () => {
    const error = await failure(
      establishConsensus(['a', 'b', 'c', 'd'], changes, {
        votes: [{ agent: 'a', approve: true }],
        quorum: 0.5,
      }),
    );
    expect(error.code).toBe('CONSENSUS_NO_QUORUM');
    expect((error as unknown as { tally: unknown }).tally).toEqual({
      for: 1,
      against: 0,
      absent: 3,
      total: 4,
    });
  });

  it('asks live voters and names those that do not answer in time as absent', async () => {
    const clock = createManualClock();
    const agents = createInMemoryAgentPort({
      a: () => true,
      b: () => ({ approve: false }),
      c: () => new Promise(() => {}),
      d: () => 'maybe',
    });
    const run = establishConsensus(['a', 'b', 'c', 'd', 'e'], changes, {
      agents,
      clock,
      voteTimeoutMs: 200,
      votes: [{ agent: 'e', approve: true }],
      proposalId: 'live',
      quorum: 0.5,
    });
    await Promise.resolve();
    clock.advance(200);
    const outcome = await run;
    expect(outcome.absent).toEqual(['c', 'd']);
    expect(outcome.tally).toEqual({ for: 2, against: 1, absent: 2, total: 5 });
    expect(outcome.accepted).toEqual(changes);
    expect(agents.asked.map((q) => q.agent)).toEqual(['a', 'b', 'c', 'd']);
    expect(agents.asked[0]?.question).toEqual({ type: 'vote', proposalId: 'live', changes });
    expect(outcome.ballots).toEqual([
      { type: 'vote-cast', agent: 'a', approve: true },
      { type: 'vote-cast', agent: 'b', approve: false },
      { type: 'vote-missed', agent: 'c', reason: 'timeout' },
      {
        type: 'vote-malformed',
        agent: 'd',
        answer: 'maybe',
        message: expect.stringContaining('expected true, false or { approve: boolean'),
      },
    ]);
  });

  it('reports a reply such as "yes", garbage and unproposed changes as malformed votes', async () => {
    const agents = createInMemoryAgentPort({
      yes: () => 'yes',
      number: () => 1,
      extra: () => ({ approve: true, because: 'I like it' }),
      stranger: () => ({ approve: true, changes: { colour: true } }),
      thrower: () => {
        throw new Error('model down');
      },
      partial: () => ({ approve: true, changes: { maxAgents: false } }),
    });
    const outcome = await establishConsensus(
      ['yes', 'number', 'extra', 'stranger', 'thrower', 'partial'],
      changes,
      {
        agents,
        quorum: 0.1,
      },
    );
    expect(outcome.ballots.map((b) => [b.agent, b.type])).toEqual([
      ['yes', 'vote-malformed'],
      ['number', 'vote-malformed'],
      ['extra', 'vote-malformed'],
      ['stranger', 'vote-malformed'],
      ['thrower', 'vote-missed'],
      ['partial', 'vote-cast'],
    ]);
    expect(outcome.ballots[3]).toMatchObject({
      message: expect.stringContaining('changes.colour: was not proposed'),
    });
    expect(outcome.ballots[4]).toMatchObject({
      error: { message: expect.stringContaining('model down') },
    });
    expect(outcome.absent).toEqual(['yes', 'number', 'extra', 'stranger', 'thrower']);
  });

  it('draws the proposal id from the seed', async () => {
    const votes: Vote[] = [{ agent: 'a', approve: true }];
    const one = await establishConsensus(['a'], changes, { votes, seed: 3 });
    const two = await establishConsensus(['a'], changes, { votes, seed: 3 });
    expect(one.proposalId).toMatch(/^proposal-[0-9a-f]+$/);
    expect(two.proposalId).toBe(one.proposalId);
  });

  it('runs any registered algorithm by name, and lists them when the name is unknown', async () => {
    const error = await failure(establishConsensus(['a'], changes, { algorithm: 'raft' }));
    expect(error.code).toBe('STRATEGY_NOT_FOUND');
    expect(error.message).toBe(
      'no consensus strategy named "raft"; registered: simple_majority, weighted, unanimous, quorum',
    );
  });

  it('refuses a result that accepts what was not proposed', async () => {
    const liar: ConsensusStrategy = {
      kind: 'consensus',
      name: 'liar',
      specificationVersion: 'v1',
      decide: () => ({
        accepted: { topology: 'mesh' },
        rejected: [],
        tally: { for: 0, against: 0, absent: 0, total: 0 },
        absent: [],
      }),
    };
    const error = await failure(establishConsensus(['a'], changes, { algorithm: liar }));
    expect(error.code).toBe('STRATEGY_INVALID_RESULT');
    expect(error.message).toContain('accepted.topology "mesh" was not proposed');
  });

  it('refuses an accepted key that the proposal only inherits', async () => {
    const inherited: ConsensusStrategy = {
      kind: 'consensus',
      name: 'inherited',
      specificationVersion: 'v1',
      decide: () => ({
        accepted: { constructor: Object },
        rejected: ['toString'],
        tally: { for: 1, against: 0, absent: 0, total: 1 },
        absent: [],
      }),
    };
    const error = await failure(establishConsensus(['a'], changes, { algorithm: inherited }));
    expect(error.code).toBe('STRATEGY_INVALID_RESULT');
    expect(error.message).toContain('accepted.constructor');
  });

  it('types the accepted changes as the proposal is typed', async () => {
    const outcome = await establishConsensus(['a', 'b', 'c'], changes, {
      votes: [
        { agent: 'a', approve: true },
        { agent: 'b', approve: true },
      ],
    });
    expectTypeOf(outcome.accepted).toEqualTypeOf<
      Partial<{ topology: string; maxAgents: number }>
    >();
    expectTypeOf(outcome.rejected).toEqualTypeOf<readonly ('topology' | 'maxAgents')[]>();
    expect(outcome.accepted).toEqual({ topology: 'star', maxAgents: 5 });
    expect(outcome.accepted.maxAgents).toBe(5);
  });

  describe('bad input', () => {
    it.each([
      ['no voters', [], changes, {}, 'CONSENSUS_NO_VOTERS', 'agents: must not be empty'],
      [
        'a NaN weight',
        [{ id: 'a', weight: Number.NaN }],
        changes,
        {},
        'CONSENSUS_INVALID_WEIGHT',
        'agents.0.weight',
      ],
      [
        'a negative weight',
        [{ id: 'a', weight: -1 }],
        changes,
        {},
        'CONSENSUS_INVALID_WEIGHT',
        'agents.0.weight: must be >= 0',
      ],
      [
        'weights summing to 0',
        [{ id: 'a', weight: 0 }],
        changes,
        {},
        'CONSENSUS_ZERO_WEIGHT',
        'agents: weights must sum above 0',
      ],
      [
        'a voter twice',
        ['a', 'a'],
        changes,
        {},
        'CONSENSUS_DUPLICATE_VOTER',
        'agents.1: appears twice (got "a")',
      ],
      [
        'an empty proposal',
        ['a'],
        {},
        {},
        'CONSENSUS_EMPTY_PROPOSAL',
        'proposedChanges: must propose at least one change',
      ],
      [
        'a vote from a stranger',
        ['a'],
        changes,
        { votes: [{ agent: 'x', approve: true }] },
        'CONSENSUS_UNKNOWN_VOTER',
        'options.votes.0.agent: is not among the voters (got "x")',
      ],
      [
        'a quorum above 1',
        ['a'],
        changes,
        { quorum: 1.5 },
        'INVALID_ARGUMENT',
        'options.quorum: must be at most 1',
      ],
    ])('refuses %s', async (_name, agents, proposal, options, code, message) => {
      const error = await failure(
        establishConsensus(agents as never, proposal as Record<string, unknown>, options as never),
      );
      expect(error.code).toBe(code);
      expect(error.message).toContain(message);
    });
  });
});
