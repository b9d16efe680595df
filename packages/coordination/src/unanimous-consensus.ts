import type { ConsensusStrategy } from '@varplane/core';
import { z } from 'zod';
import { parseOrThrow } from './internal/parse';
import { checkConsensus } from './internal/strategy-input';
import { countVotes, decide } from './internal/tally';
import { quorumSchema } from './simple-majority';

/** Options of {@link createUnanimous}. */
export interface UnanimousOptions {
  /** The name it registers under (default `unanimous`). */
  name?: string;
  /** Share of the voters that must vote, in (0, 1], unless the request sets one (default 1: all). */
  quorum?: number;
}

const optionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  quorum: quorumSchema.optional(),
});

/**
 * Unanimity (`unanimous`): a change passes only when no voter rejects it and at least one approves.
 * By default every voter must vote (quorum 1), so one absent voter fails the proposal with
 * `CONSENSUS_NO_QUORUM`; a lower quorum lets the present voters decide alone.
 *
 * @example
 * const strategy = createUnanimous({ quorum: 0.75 });
 */
export function createUnanimous(options: UnanimousOptions = {}): ConsensusStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createUnanimous',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  return {
    kind: 'consensus',
    name: opts.name ?? 'unanimous',
    specificationVersion: 'v1',
    description: 'A change passes only when no voter rejects it.',
    decide(request, context) {
      checkConsensus('unanimous.decide', request, context);
      return decide(
        request,
        countVotes(request, false),
        request.quorum ?? opts.quorum ?? 1,
        'unanimous vote',
        (change) => change.against === 0 && change.for > 0,
      );
    },
  };
}
