import type { ConsensusStrategy, Vote, Voter } from '@varplane/core';
import { establishConsensus } from '../../establish-consensus';
import { sameValue } from '../values';
import { type ConsensusCase, type KindAdapter, options } from './kind-adapter';

export const consensusKind: KindAdapter<ConsensusStrategy, ConsensusCase> = {
  method: 'decide',
  generate(random) {
    const voters: Voter[] = [];
    for (let i = random.int(1, 7); i > 0; i--) {
      voters.push({ id: `voter-${voters.length}`, weight: random.int(1, 5) });
    }
    const proposedChanges: Record<string, unknown> = {};
    for (let k = random.int(1, 3); k > 0; k--) proposedChanges[`change-${k}`] = random.int(0, 100);
    const votes: Vote[] = [];
    for (const voter of voters) {
      if (!random.chance(0.8)) continue;
      const vote: Vote = { agent: voter.id, approve: random.chance(0.6) };
      if (random.chance(0.3)) {
        vote.changes = Object.fromEntries(
          Object.keys(proposedChanges).map((key) => [key, random.chance(0.5)]),
        );
      }
      votes.push(vote);
    }
    const quorum = random.pick([undefined, 0.25, 0.5, 1]);
    return quorum === undefined
      ? { voters, proposedChanges, votes }
      : { voters, proposedChanges, votes, quorum };
  },
  run: (strategy, input, setup) =>
    establishConsensus(input.voters, input.proposedChanges, {
      ...options(setup),
      algorithm: strategy,
      // Live runs ask everyone, so the port is exercised.
      votes: setup.agents === undefined ? input.votes : [],
      proposalId: 'proposal-1',
      ...(input.quorum === undefined ? {} : { quorum: input.quorum }),
    }),
  check(input, result) {
    const outcome = result as {
      accepted: Record<string, unknown>;
      rejected: string[];
      absent: string[];
      tally: { for: number; against: number; absent: number; total: number };
      votes: Vote[];
    };
    const problems: string[] = [];
    for (const key of Object.keys(input.proposedChanges)) {
      const inAccepted = key in outcome.accepted;
      const inRejected = outcome.rejected.includes(key);
      if (inAccepted === inRejected)
        problems.push(`change ${key} must be either accepted or rejected`);
      if (inAccepted && !sameValue(outcome.accepted[key], input.proposedChanges[key])) {
        problems.push(`change ${key} was accepted with another value`);
      }
    }
    const ids = new Set(input.voters.map((v) => v.id));
    const voted = new Set(outcome.votes.map((v) => v.agent));
    for (const agent of outcome.absent)
      if (!ids.has(agent)) problems.push(`absent ${agent} is no voter`);
    for (const id of ids) {
      if (!voted.has(id) && !outcome.absent.includes(id))
        problems.push(`${id} did not vote and is not named absent`);
    }
    const { tally } = outcome;
    if (
      ![tally.for, tally.against, tally.absent, tally.total].every(
        (x) => Number.isFinite(x) && x >= 0,
      )
    ) {
      problems.push('tally holds a negative or non-finite number');
    } else if (tally.for + tally.against + tally.absent > tally.total * (1 + 1e-9) + 1e-9) {
      problems.push('tally counts more than the total');
    }
    return problems;
  },
  expectedErrors: ['CONSENSUS_NO_QUORUM'],
  badInputs: [
    { name: 'no voters', code: 'CONSENSUS_NO_VOTERS', voters: [] },
    {
      name: 'a negative voter weight',
      code: 'CONSENSUS_INVALID_WEIGHT',
      voters: [{ id: 'a', weight: -2 }],
    },
    { name: 'an empty proposal', code: 'CONSENSUS_EMPTY_PROPOSAL', voters: ['a'], changes: {} },
    {
      name: 'a vote from a stranger',
      code: 'CONSENSUS_UNKNOWN_VOTER',
      voters: ['a'],
      votes: [{ agent: 'z', approve: true }],
    },
  ].map(({ voters, changes, votes, ...bad }) => ({
    ...bad,
    run: (strategy: ConsensusStrategy) =>
      establishConsensus(voters as (string | Voter)[], changes ?? { x: 1 }, {
        algorithm: strategy,
        votes: votes ?? [],
      }),
  })),
};
