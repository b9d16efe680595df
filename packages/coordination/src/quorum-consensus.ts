import type { ConsensusStrategy } from '@varplane/core';
import { z } from 'zod';
import { parseOrThrow } from './internal/parse';
import { checkConsensus } from './internal/strategy-input';
import { atLeast, countVotes, decide } from './internal/tally';
import { quorumSchema } from './simple-majority';

/** Options of {@link createQuorumConsensus}. */
export interface QuorumConsensusOptions {
  /** The name it registers under (default `quorum`). */
  name?: string;
  /** Share of the total weight that must approve a change, in (0, 1] (default 2/3). */
  threshold?: number;
}

const optionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  threshold: quorumSchema.optional(),
});

/**
 * Quorum consensus (`quorum`): a change passes when the weight approving it reaches `threshold` of
 * the total weight of all voters, present or not; silence counts against, as in read/write quorum
 * systems. When fewer than the request's quorum (or else `threshold`) took part, no change could
 * pass and the proposal fails with `CONSENSUS_NO_QUORUM`.
 *
 * @example
 * const strategy = createQuorumConsensus({ threshold: 0.75 });
 */
export function createQuorumConsensus(options: QuorumConsensusOptions = {}): ConsensusStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createQuorumConsensus',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  const threshold = opts.threshold ?? 2 / 3;
  return {
    kind: 'consensus',
    name: opts.name ?? 'quorum',
    specificationVersion: 'v1',
    description: 'A change passes when its approvals reach a threshold of the total weight.',
    decide(request, context) {
      checkConsensus('quorum.decide', request, context);
      const count = countVotes(request, true);
      return decide(request, count, request.quorum ?? threshold, 'quorum vote', (change) =>
        atLeast(change.for, threshold, count.tally.total),
      );
    },
  };
}
