import type { NegotiationRequest, Preference, StrategyContext } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { askAgents } from '../ask-agents';
import { NegotiationError } from '../errors';
import { isAdmissible } from './constraints';
import { byAgentId } from './values';

/** How equal bids are ordered: by agent id (the default), or by a draw from the seeded random. */
export type TieBreak = 'agent' | 'random';

export interface Bid {
  readonly agent: string;
  /** The value the bidder wants the variable to take. */
  readonly value: unknown;
  readonly amount: number;
}

/** The preferences whose value can be granted: a value outside `allowed` cannot win. */
export function admissible(request: NegotiationRequest): readonly Preference[] {
  const { preferences, constraints } = request;
  if (constraints.allowed === undefined) return preferences;
  const out = preferences.filter((p) => isAdmissible(p.value, constraints));
  if (out.length === 0) {
    throw new NegotiationError({
      code: 'NEGOTIATION_INFEASIBLE',
      reason: 'no_admissible_preference',
      variableId: request.variableId,
      message: `no preferred value for ${describeValue(request.variableId)} is among constraints.allowed ${describeValue(constraints.allowed)}`,
    });
  }
  return out;
}

/** Bids as arrays aligned with the bidders' preferences, so 10,000 bids cost no object each. */
export interface BidList {
  readonly bidders: readonly Preference[];
  /** Negative for no bid. */
  readonly amounts: Float64Array;
  /** Rank among equal bids, lower first; absent unless ties are broken at random. */
  readonly ranks: Float64Array | undefined;
}

function ranks(
  count: number,
  tieBreak: TieBreak,
  context: StrategyContext,
): Float64Array | undefined {
  if (tieBreak === 'agent') return undefined;
  const drawn = new Float64Array(count);
  for (let i = 0; i < count; i++) drawn[i] = context.random.next();
  return drawn;
}

/** Bids from the preferences themselves: each bidder offers its `budget`, or its `weight`. */
export function plainBids(
  bidders: readonly Preference[],
  tieBreak: TieBreak,
  context: StrategyContext,
): BidList {
  const amounts = new Float64Array(bidders.length);
  for (let i = 0; i < bidders.length; i++) {
    const p = bidders[i] as Preference;
    amounts[i] = p.budget ?? p.weight;
  }
  return { bidders, amounts, ranks: ranks(bidders.length, tieBreak, context) };
}

/**
 * Sealed bids asked of live agents: each is asked once (`{ type: 'bid', round: 0 }`) and answers
 * with a number; silence, failure or anything but a finite number >= 0 is no bid.
 */
export async function liveBids(
  request: NegotiationRequest,
  bidders: readonly Preference[],
  tieBreak: TieBreak,
  context: StrategyContext,
  askTimeoutMs: number,
): Promise<{ bids: BidList; silent: string[] }> {
  const outcomes = await askAgents(
    context,
    bidders.map((p) => p.agent),
    () => ({ type: 'bid', item: request.variableId, round: 0 }),
    askTimeoutMs,
  );
  const amounts = new Float64Array(bidders.length);
  const silent: string[] = [];
  outcomes.forEach((outcome, i) => {
    const answer = outcome.ok ? outcome.answer : undefined;
    const valid = typeof answer === 'number' && Number.isFinite(answer) && answer >= 0;
    amounts[i] = valid ? answer : -1;
    if (!valid) silent.push((bidders[i] as Preference).agent);
  });
  return { bids: { bidders, amounts, ranks: ranks(bidders.length, tieBreak, context) }, silent };
}

/** Whether bid `i` beats bid `j`: a higher amount, then a lower rank, then the smaller agent id. */
function beats(bids: BidList, i: number, j: number): boolean {
  const a = bids.amounts[i] as number;
  const b = bids.amounts[j] as number;
  if (a !== b) return a > b;
  if (bids.ranks !== undefined && bids.ranks[i] !== bids.ranks[j]) {
    return (bids.ranks[i] as number) < (bids.ranks[j] as number);
  }
  return (
    byAgentId((bids.bidders[i] as Preference).agent, (bids.bidders[j] as Preference).agent) < 0
  );
}

/**
 * The best two bids at or above `reserve` (and at or above 0), in one pass with no sort or copy:
 * 10,000 bids cost a loop.
 */
export function topTwo(
  bids: BidList,
  reserve: number,
): { first: Bid | undefined; second: Bid | undefined } {
  const { amounts } = bids;
  let first = -1;
  let second = -1;
  for (let i = 0; i < amounts.length; i++) {
    const amount = amounts[i] as number;
    if (amount < reserve || amount < 0) continue;
    if (first < 0 || beats(bids, i, first)) {
      second = first;
      first = i;
    } else if (second < 0 || beats(bids, i, second)) {
      second = i;
    }
  }
  const bid = (i: number): Bid | undefined => {
    if (i < 0) return undefined;
    const p = bids.bidders[i] as Preference;
    return { agent: p.agent, value: p.value, amount: amounts[i] as number };
  };
  return { first: bid(first), second: bid(second) };
}

export function reserveNotMet(
  request: NegotiationRequest,
  reserve: number,
  silent: readonly string[],
): never {
  const quiet = silent.length > 0 ? ` (no bid from ${silent.join(', ')})` : '';
  throw new NegotiationError({
    code: 'NEGOTIATION_INFEASIBLE',
    reason: 'reserve_not_met',
    variableId: request.variableId,
    message: `no bid for ${describeValue(request.variableId)} reached the reserve price ${reserve}${quiet}`,
  });
}

/** Options every auction takes. */
export interface AuctionOptions {
  /** The name it registers under, to keep several configurations side by side. */
  name?: string;
  /** Lowest acceptable price; bids below it never win (default 0). */
  reserve?: number;
  tieBreak?: TieBreak;
  /** How long a live agent has to bid, in ms (default 1,000). */
  askTimeoutMs?: number;
}

export const auctionOptionsShape = {
  name: z.string().min(1).optional(),
  reserve: z.number().nonnegative().optional(),
  tieBreak: z.enum(['agent', 'random']).optional(),
  askTimeoutMs: z.number().int().positive().optional(),
};
