import type { ConsensusStrategy } from '@varplane/core';
import { z } from 'zod';
import { parseOrThrow } from './internal/parse';
import { checkConsensus } from './internal/strategy-input';
import { countVotes, decide } from './internal/tally';
import { quorumSchema } from './simple-majority';

/** Options of {@link createWeightedVoting}. */
export interface WeightedVotingOptions {
  /** The name it registers under (default `weighted`). */
  name?: string;
  /** Share of the total weight that must vote, in (0, 1], unless the request sets one (default 0.5). */
  quorum?: number;
}

const optionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  quorum: quorumSchema.optional(),
});

/**
 * Weighted voting (`weighted`): each vote counts its voter's weight; a change passes when the
 * weight approving it exceeds the weight rejecting it. At least `quorum` of the total weight must
 * vote, or the proposal fails with `CONSENSUS_NO_QUORUM`.
 *
 * @example
 * await establishConsensus([{ id: 'lead', weight: 3 }, { id: 'dev', weight: 1 }], changes, {
 *   algorithm: 'weighted',
 *   votes: [{ agent: 'lead', approve: true }, { agent: 'dev', approve: false }],
 * });
 */
export function createWeightedVoting(options: WeightedVotingOptions = {}): ConsensusStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createWeightedVoting',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  return {
    kind: 'consensus',
    name: opts.name ?? 'weighted',
    specificationVersion: 'v1',
    description: 'Votes count their weight; more weight for than against passes a change.',
    decide(request, context) {
      checkConsensus('weighted.decide', request, context);
      return decide(
        request,
        countVotes(request, true),
        request.quorum ?? opts.quorum ?? 0.5,
        'weighted vote',
        (change) => change.for > change.against,
      );
    },
  };
}
