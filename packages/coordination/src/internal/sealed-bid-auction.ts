import type { NegotiationRequest, NegotiationResult, NegotiationStrategy } from '@varplane/core';
import { z } from 'zod';
import { DEFAULT_ASK_TIMEOUT_MS } from '../ask-agents';
import {
  type AuctionOptions,
  admissible,
  auctionOptionsShape,
  type Bid,
  type BidList,
  liveBids,
  plainBids,
  reserveNotMet,
  topTwo,
} from './bids';
import { parseOrThrow } from './parse';
import { checkNegotiation } from './strategy-input';

const optionsSchema = z.strictObject(auctionOptionsShape);

interface SealedBidRule {
  subject: string;
  name: string;
  description: string;
  /** The price the winner pays, given the runner-up (if any) and the reserve. */
  price(first: Bid, second: Bid | undefined, reserve: number): number;
  /** One sentence on the outcome. */
  rationale(first: Bid, price: number): string;
}

/**
 * A sealed-bid auction: every bidder bids once without seeing the others, the highest bid at or
 * above the reserve wins its value, and `rule.price` sets what it pays.
 */
export function createSealedBidAuction(
  options: AuctionOptions,
  rule: SealedBidRule,
): NegotiationStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: rule.subject,
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  const reserve = opts.reserve ?? 0;
  const tieBreak = opts.tieBreak ?? 'agent';
  const askTimeoutMs = opts.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;

  const decide = (
    request: NegotiationRequest,
    bids: BidList,
    silent: readonly string[],
  ): NegotiationResult => {
    const { first, second } = topTwo(bids, reserve);
    if (first === undefined) return reserveNotMet(request, reserve, silent);
    const price = rule.price(first, second, reserve);
    return {
      value: first.value,
      winner: first.agent,
      price,
      rounds: 1,
      rationale: rule.rationale(first, price),
    };
  };

  return {
    kind: 'negotiation',
    name: opts.name ?? rule.name,
    specificationVersion: 'v1',
    description: rule.description,
    negotiate(request, context) {
      checkNegotiation(`${rule.name}.negotiate`, request, context);
      const bidders = admissible(request);
      if (context.agents === undefined) {
        return decide(request, plainBids(bidders, tieBreak, context), []);
      }
      return liveBids(request, bidders, tieBreak, context, askTimeoutMs).then(({ bids, silent }) =>
        decide(request, bids, silent),
      );
    },
  };
}
