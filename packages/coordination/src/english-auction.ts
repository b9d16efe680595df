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
import { parseOrThrow } from './internal/parse';
import { checkNegotiation } from './internal/strategy-input';
import { cleanFloat } from './internal/values';

/** Options of {@link createEnglishAuction}. */
export interface EnglishAuctionOptions extends AuctionOptions {
  /** How much the asking price rises each round, > 0 (default 1). */
  increment?: number;
  /** Rounds before the auction gives up with `NEGOTIATION_ROUND_LIMIT` (default 10,000). */
  maxRounds?: number;
}

const optionsSchema = z.strictObject({
  ...auctionOptionsShape,
  increment: z.number().positive().optional(),
  maxRounds: z.number().int().positive().optional(),
});

/**
 * An English auction (`english`): the asking price opens at the reserve and rises by `increment`
 * each round; bidders drop out when it passes what they will pay, and the last one standing wins
 * its preferred value at the current price. When all remaining bidders drop out in the same round,
 * they tie at the previous price. With live agents each round is a `bid` question with
 * `askingPrice`; otherwise a bidder stays while its `budget` (or `weight`) covers the price.
 *
 * @example
 * const auction = createEnglishAuction({ reserve: 10, increment: 5 });
 */
export function createEnglishAuction(options: EnglishAuctionOptions = {}): NegotiationStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createEnglishAuction',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  const reserve = opts.reserve ?? 0;
  const increment = opts.increment ?? 1;
  const maxRounds = opts.maxRounds ?? 10_000;
  const tieBreak = opts.tieBreak ?? 'agent';
  const askTimeoutMs = opts.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
  const priceAt = (round: number) => cleanFloat(reserve + round * increment);

  return {
    kind: 'negotiation',
    name: opts.name ?? 'english',
    specificationVersion: 'v1',
    description: 'English auction: an ascending price; the last bidder standing wins.',
    async negotiate(request, context) {
      checkNegotiation('english.negotiate', request, context);
      let round = 0;
      let active: Preference[] = await willingAt(
        request,
        admissible(request),
        reserve,
        round,
        context,
        askTimeoutMs,
      );
      if (active.length === 0) return reserveNotMet(request, reserve, []);
      while (active.length > 1) {
        if (round >= maxRounds) return roundLimit(request, 'English auction', maxRounds);
        const stay = await willingAt(
          request,
          active,
          priceAt(round + 1),
          round + 1,
          context,
          askTimeoutMs,
        );
        if (stay.length === 0) break;
        active = stay;
        round += 1;
      }
      const winner = breakTie(active, tieBreak, context);
      const price = priceAt(round);
      return {
        value: winner.value,
        winner: winner.agent,
        price,
        rounds: round + 1,
        rationale:
          active.length > 1
            ? `English auction: ${active.length} bidders left together at ${priceAt(round + 1)}; ${winner.agent} wins the tie at ${price}`
            : `English auction: ${winner.agent} outlasted the other bidders and pays ${price}`,
      };
    },
  };
}
