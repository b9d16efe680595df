import type { NegotiationStrategy } from '@varplane/core';
import type { AuctionOptions } from './internal/bids';
import { createSealedBidAuction } from './internal/sealed-bid-auction';

/** Options of {@link createFirstPriceAuction}. */
export type FirstPriceAuctionOptions = AuctionOptions;

/**
 * A sealed first-price auction (`first_price`): each bidder bids once, unseen; the highest bid at
 * or above the reserve wins its preferred value and pays its own bid. Bids are the preferences'
 * `budget` (or `weight`), or, with live agents, each agent's answer to a `bid` question. Equal bids
 * go to the smaller agent id, or to a seeded draw with `tieBreak: 'random'`.
 *
 * @example
 * const auction = createFirstPriceAuction({ reserve: 5 });
 * await negotiateValue('gpu-slot', prefs, { strategy: auction });
 */
export function createFirstPriceAuction(
  options: FirstPriceAuctionOptions = {},
): NegotiationStrategy {
  return createSealedBidAuction(options, {
    subject: 'createFirstPriceAuction',
    name: 'first_price',
    description: 'Sealed first-price auction: the highest bid wins and pays its bid.',
    price: (first) => first.amount,
    rationale: (first, price) =>
      `sealed first-price auction: ${first.agent} bid highest and pays its bid of ${price}`,
  });
}
