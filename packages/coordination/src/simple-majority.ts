import type { ConsensusStrategy } from '@varplane/core';
import { z } from 'zod';
import { parseOrThrow } from './internal/parse';
import { checkConsensus } from './internal/strategy-input';
import { countVotes, decide } from './internal/tally';

/** Options of {@link createSimpleMajority}. */
export interface SimpleMajorityOptions {
  /** The name it registers under (default `simple_majority`). */
  name?: string;
  /** Share of the voters that must vote, in (0, 1], unless the request sets one (default 0.5). */
  quorum?: number;
}

/** A share in (0, 1], as quorums and thresholds are given. */
export const quorumSchema = z.number().gt(0, 'must be above 0').max(1, 'must be at most 1');

const optionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  quorum: quorumSchema.optional(),
});

/**
 * Simple majority (`simple_majority`): one voter, one vote, whatever its weight; a change passes
 * when more voters approve it than reject it (a tie fails). Absent voters count toward neither side,
 * but at least `quorum` of all voters must vote, or the proposal fails with `CONSENSUS_NO_QUORUM`.
 *
 * @example
 * await establishConsensus(['a', 'b', 'c'], { topology: 'ring' }, { votes, algorithm: 'simple_majority' });
 */
export function createSimpleMajority(options: SimpleMajorityOptions = {}): ConsensusStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createSimpleMajority',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  return {
    kind: 'consensus',
    name: opts.name ?? 'simple_majority',
    specificationVersion: 'v1',
    description: 'One voter, one vote; more approvals than rejections passes a change.',
    decide(request, context) {
      checkConsensus('simple_majority.decide', request, context);
      return decide(
        request,
        countVotes(request, false),
        request.quorum ?? opts.quorum ?? 0.5,
        'simple majority',
        (change) => change.for > change.against,
      );
    },
  };
}
