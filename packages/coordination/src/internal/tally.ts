import type { ConsensusRequest, ConsensusResult, ConsensusTally, Vote } from '@varplane/core';
import { ConsensusError } from '../errors';
import { cleanFloat } from './values';

/** For and against one change, in the weight the rule counts. */
export interface ChangeTally {
  for: number;
  against: number;
}

export interface Count {
  tally: ConsensusTally;
  /** Weight of the voters who voted. */
  participating: number;
  /** Voters without a vote, in voter order. */
  absent: string[];
  /** Per change, honouring votes that approve some changes and not others. */
  changes: Map<string, ChangeTally>;
}

/** Counts the votes of a request; `weighted: false` gives every voter one vote. */
export function countVotes(request: ConsensusRequest, weighted: boolean): Count {
  const byAgent = new Map<string, Vote>();
  for (const vote of request.votes) byAgent.set(vote.agent, vote);
  const keys = Object.keys(request.proposedChanges);
  const changes = new Map<string, ChangeTally>(keys.map((key) => [key, { for: 0, against: 0 }]));
  const tally: ConsensusTally = { for: 0, against: 0, absent: 0, total: 0 };
  const absent: string[] = [];
  let participating = 0;
  for (const voter of request.voters) {
    const weight = weighted ? voter.weight : 1;
    tally.total += weight;
    const vote = byAgent.get(voter.id);
    if (vote === undefined) {
      tally.absent += weight;
      absent.push(voter.id);
      continue;
    }
    participating += weight;
    if (vote.approve) tally.for += weight;
    else tally.against += weight;
    for (const key of keys) {
      const entry = changes.get(key) as ChangeTally;
      const said =
        vote.changes !== undefined && Object.hasOwn(vote.changes, key)
          ? vote.changes[key]
          : undefined;
      if (said ?? vote.approve) entry.for += weight;
      else entry.against += weight;
    }
  }
  tally.for = cleanFloat(tally.for);
  tally.against = cleanFloat(tally.against);
  tally.absent = cleanFloat(tally.absent);
  tally.total = cleanFloat(tally.total);
  return { tally, participating, absent, changes };
}

/** At least `share` of `total`, forgiving the float error of summed weights. */
export function atLeast(part: number, share: number, total: number): boolean {
  return part >= share * total - 1e-9 * Math.max(1, total);
}

/**
 * Applies a decision rule change by change, after checking that at least `quorum` of the total
 * took part (`CONSENSUS_NO_QUORUM` otherwise).
 */
export function decide(
  request: ConsensusRequest,
  count: Count,
  quorum: number,
  rule: string,
  accept: (change: ChangeTally) => boolean,
): ConsensusResult {
  const { tally, participating, absent } = count;
  if (!atLeast(participating, quorum, tally.total)) {
    const missing = absent.length > 0 ? `; absent: ${absent.join(', ')}` : '';
    throw new ConsensusError({
      code: 'CONSENSUS_NO_QUORUM',
      message: `${rule} on proposal ${request.proposalId}: ${cleanFloat(participating)} of ${tally.total} took part, below the quorum of ${quorum}${missing}`,
      tally,
      absent,
    });
  }
  // Null-prototype: a proposal key `__proto__` is assigned like any other.
  const accepted: Record<string, unknown> = Object.create(null);
  const rejected: string[] = [];
  for (const [key, change] of count.changes) {
    if (accept(change)) accepted[key] = request.proposedChanges[key];
    else rejected.push(key);
  }
  return { accepted, rejected, tally, absent };
}
