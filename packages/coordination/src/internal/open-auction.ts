import type { NegotiationRequest, Preference, StrategyContext } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { askAgents } from '../ask-agents';
import { NegotiationError } from '../errors';
import type { TieBreak } from './bids';
import { byAgentId } from './values';

/**
 * Who stays in at `price` in an open (English or Dutch) auction: with live agents, each is asked
 * (`{ type: 'bid', round, askingPrice }`) and stays by answering `true` or a number at or above
 * the asking price; otherwise a bidder stays while its `budget` (or `weight`) covers the price.
 */
export async function willingAt(
  request: NegotiationRequest,
  bidders: readonly Preference[],
  price: number,
  round: number,
  context: StrategyContext,
  askTimeoutMs: number,
): Promise<Preference[]> {
  if (context.agents === undefined) return bidders.filter((p) => (p.budget ?? p.weight) >= price);
  context.signal.throwIfAborted();
  const outcomes = await askAgents(
    context,
    bidders.map((p) => p.agent),
    () => ({ type: 'bid', item: request.variableId, round, askingPrice: price }),
    askTimeoutMs,
  );
  return bidders.filter((_, i) => {
    const outcome = outcomes[i];
    if (outcome === undefined || !outcome.ok) return false;
    const answer = outcome.answer;
    return answer === true || (typeof answer === 'number' && answer >= price);
  });
}

/** The bidder that wins among equals. */
export function breakTie(
  bidders: readonly Preference[],
  tieBreak: TieBreak,
  context: StrategyContext,
): Preference {
  if (tieBreak === 'random') return context.random.pick(bidders);
  let best = bidders[0] as Preference;
  for (const p of bidders) if (byAgentId(p.agent, best.agent) < 0) best = p;
  return best;
}

export function roundLimit(request: NegotiationRequest, auction: string, rounds: number): never {
  throw new NegotiationError({
    code: 'NEGOTIATION_ROUND_LIMIT',
    reason: 'round_limit',
    variableId: request.variableId,
    message: `${auction} for ${describeValue(request.variableId)} reached no result within ${rounds} rounds; raise maxRounds or the price step`,
  });
}
