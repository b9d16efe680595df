import type { NegotiationStrategy, Preference } from '@varplane/core';
import { z } from 'zod';
import { DEFAULT_ASK_TIMEOUT_MS } from './ask-agents';
import {
  type AuctionOptions,
  admissible,
  auctionOptionsShape,
  reserveNotMet,
} from './internal/bids';
import { breakTie, roundLimit, willingAt } from './internal/open-auction';
import { invalid, parseOrThrow } from './internal/parse';
import { checkNegotiation } from './internal/strategy-input';
import { cleanFloat } from './internal/values';

/** Options of {@link createDutchAuction}. */
export interface DutchAuctionOptions extends AuctionOptions {
  /**
   * The opening price. Without it the auction opens at the highest budget among the preferences,
   * which live agents do not reveal: a live auction needs it.
   */
  startPrice?: number;
  /** How much the price falls each round, > 0 (default 1). */
  decrement?: number;
  /** Rounds before the auction gives up with `NEGOTIATION_ROUND_LIMIT` (default 10,000). */
  maxRounds?: number;
}

const optionsSchema = z.strictObject({
  ...auctionOptionsShape,
  startPrice: z.number().nonnegative().optional(),
  decrement: z.number().positive().optional(),
  maxRounds: z.number().int().positive().optional(),
});

/**
 * A Dutch auction (`dutch`): the price opens high and falls by `decrement` each round; the first
 * bidder to accept wins its preferred value at that price. The price never falls below the
 * reserve. With live agents each round is a `bid` question with `askingPrice`, accepted by `true`
 * or a number at or above it; otherwise a bidder accepts once the price is within its `budget`
 * (or `weight`).
 *
 * @example
 * const auction = createDutchAuction({ startPrice: 100, decrement: 5, reserve: 20 });
 */
export function createDutchAuction(options: DutchAuctionOptions = {}): NegotiationStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createDutchAuction',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  const reserve = opts.reserve ?? 0;
  const decrement = opts.decrement ?? 1;
  const maxRounds = opts.maxRounds ?? 10_000;
  const tieBreak = opts.tieBreak ?? 'agent';
  const askTimeoutMs = opts.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;

  return {
    kind: 'negotiation',
    name: opts.name ?? 'dutch',
    specificationVersion: 'v1',
    description: 'Dutch auction: a descending price; the first bidder to accept wins.',
    async negotiate(request, context) {
      checkNegotiation('dutch.negotiate', request, context);
      const bidders = admissible(request);
      let start = opts.startPrice;
      if (start === undefined) {
        if (context.agents !== undefined) {
          invalid(
            'dutch auction',
            'INVALID_ARGUMENT',
            'options.startPrice',
            'is required when bids come from live agents',
          );
        }
        start = bidders.reduce((high, p) => Math.max(high, p.budget ?? p.weight), reserve);
      }
      const open = start;
      const priceAt = (round: number) => cleanFloat(open - round * decrement);
      for (let round = 0; priceAt(round) >= reserve; round++) {
        if (round >= maxRounds) return roundLimit(request, 'Dutch auction', maxRounds);
        const price = priceAt(round);
        const takers: Preference[] = await willingAt(
          request,
          bidders,
          price,
          round,
          context,
          askTimeoutMs,
        );
        if (takers.length > 0) {
          const winner = breakTie(takers, tieBreak, context);
          return {
            value: winner.value,
            winner: winner.agent,
            price,
            rounds: round + 1,
            rationale: `Dutch auction: ${winner.agent} accepted first, at ${price}`,
          };
        }
      }
      return reserveNotMet(request, reserve, []);
    },
  };
}
