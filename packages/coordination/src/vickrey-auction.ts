import type { NegotiationStrategy } from '@varplane/core';
import type { AuctionOptions } from './internal/bids';
import { createSealedBidAuction } from './internal/sealed-bid-auction';

/** Options of {@link createVickreyAuction}. */
export type VickreyAuctionOptions = AuctionOptions;

/**
 * A Vickrey auction (`vickrey`): sealed bids, the highest bid at or above the reserve wins, and it
 * pays the second-highest such bid (the reserve when it stood alone), so bidding one's true value is
 * the best strategy. Bids and ties are as in {@link createFirstPriceAuction}.
 *
 * @example
 * const registry = createStrategyRegistry().register(createVickreyAuction({ reserve: 2 }));
 * const { winner, price } = await negotiateValue('gpu-slot', prefs, { registry, strategy: 'vickrey' });
 */
export function createVickreyAuction(options: VickreyAuctionOptions = {}): NegotiationStrategy {
  return createSealedBidAuction(options, {
    subject: 'createVickreyAuction',
    name: 'vickrey',
    description: 'Vickrey auction: the highest sealed bid wins and pays the second-highest.',
    price: (_first, second, reserve) => (second === undefined ? reserve : second.amount),
    rationale: (first, price) =>
      `Vickrey auction: ${first.agent} bid highest and pays the second price ${price}`,
  });
}
