import type {
  NegotiationRequest,
  NegotiationResult,
  NegotiationStrategy,
  Preference,
  StrategyContext,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { askAgents, DEFAULT_ASK_TIMEOUT_MS } from './ask-agents';
import { NegotiationError } from './errors';
import { invalid, parseOrThrow } from './internal/parse';
import { checkNegotiation } from './internal/strategy-input';
import { byAgentId, cleanFloat } from './internal/values';

/** Options of {@link createMarketBasedNegotiation}. */
export interface MarketBasedOptions {
  /** The name it registers under (default `market_based`). */
  name?: string;
  /**
   * Where in the gap between the last matched seller's and buyer's prices the clearing price sits,
   * in [0, 1]: 0 favours buyers, 1 favours sellers (default 0.5, the midpoint).
   */
  k?: number;
  /** How long a live agent has to name its limit price, in ms (default 1,000). */
  askTimeoutMs?: number;
}

const optionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  k: z.number().min(0).max(1).optional(),
  askTimeoutMs: z.number().int().positive().optional(),
});

interface Order {
  agent: string;
  price: number;
  quantity: number;
}

/**
 * A double auction (`market_based`) that finds the price where supply meets demand. Each
 * preference is an order: `side` is `buy` or `sell`, `value` the limit price (most a buyer pays,
 * least a seller takes) and `weight` the quantity. Buyers are matched from the highest price down
 * and sellers from the lowest up while the buyer's price covers the seller's; the clearing price
 * lies between the last matched pair's prices (see `k`). With live agents, each is asked for its
 * limit price (`{ type: 'bid', round: 0 }`, answered with a number). No crossing is
 * `NEGOTIATION_INFEASIBLE` with reason `no_clearing_price`.
 *
 * @example
 * await negotiateValue('price-per-token', [
 *   { agent: 'a', side: 'buy', value: 10, weight: 3 },
 *   { agent: 'b', side: 'sell', value: 6, weight: 2 },
 * ], { strategy: 'market_based' }); // value 8
 */
export function createMarketBasedNegotiation(
  options: MarketBasedOptions = {},
): NegotiationStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createMarketBasedNegotiation',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  const k = opts.k ?? 0.5;
  const askTimeoutMs = opts.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;

  return {
    kind: 'negotiation',
    name: opts.name ?? 'market_based',
    specificationVersion: 'v1',
    description: 'Double auction: the clearing price where supply meets demand.',
    negotiate(request, context) {
      checkNegotiation('market_based.negotiate', request, context);
      request.preferences.forEach(checkOrder);
      if (context.agents === undefined) return clear(request, request.preferences.map(toOrder), k);
      return livePrices(request, context, askTimeoutMs).then((orders) => clear(request, orders, k));
    },
  };
}

function checkOrder(p: Preference, i: number): void {
  if (p.side !== 'buy' && p.side !== 'sell') {
    invalid(
      'market_based',
      'INVALID_ARGUMENT',
      `preferences.${i}.side`,
      'must be "buy" or "sell"',
      p.side,
    );
  }
  if (typeof p.value !== 'number') {
    invalid(
      'market_based',
      'NEGOTIATION_INVALID_VALUE',
      `preferences.${i}.value`,
      'must be a limit price (a number)',
      p.value,
    );
  }
}

function toOrder(p: Preference): Order & { side: 'buy' | 'sell' } {
  return {
    agent: p.agent,
    price: p.value as number,
    quantity: p.weight,
    side: p.side as 'buy' | 'sell',
  };
}

async function livePrices(
  request: NegotiationRequest,
  context: StrategyContext,
  askTimeoutMs: number,
): Promise<(Order & { side: 'buy' | 'sell' })[]> {
  const outcomes = await askAgents(
    context,
    request.preferences.map((p) => p.agent),
    () => ({ type: 'bid', item: request.variableId, round: 0 }),
    askTimeoutMs,
  );
  const orders: (Order & { side: 'buy' | 'sell' })[] = [];
  request.preferences.forEach((p, i) => {
    const outcome = outcomes[i];
    if (outcome?.ok && typeof outcome.answer === 'number' && Number.isFinite(outcome.answer)) {
      orders.push({ ...toOrder(p), price: outcome.answer });
    }
  });
  return orders;
}

function clear(
  request: NegotiationRequest,
  orders: readonly (Order & { side: 'buy' | 'sell' })[],
  k: number,
): NegotiationResult {
  const buyers = orders
    .filter((o) => o.side === 'buy' && o.quantity > 0)
    .sort((a, b) => b.price - a.price || byAgentId(a.agent, b.agent));
  const sellers = orders
    .filter((o) => o.side === 'sell' && o.quantity > 0)
    .sort((a, b) => a.price - b.price || byAgentId(a.agent, b.agent));
  let i = 0;
  let j = 0;
  let buyerLeft = buyers[0]?.quantity ?? 0;
  let sellerLeft = sellers[0]?.quantity ?? 0;
  let traded = 0;
  let lastBuy: Order | undefined;
  let lastSell: Order | undefined;
  while (i < buyers.length && j < sellers.length) {
    const buyer = buyers[i] as Order;
    const seller = sellers[j] as Order;
    if (buyer.price < seller.price) break;
    const quantity = Math.min(buyerLeft, sellerLeft);
    traded += quantity;
    lastBuy = buyer;
    lastSell = seller;
    buyerLeft -= quantity;
    sellerLeft -= quantity;
    if (buyerLeft <= 0) buyerLeft = buyers[++i]?.quantity ?? 0;
    if (sellerLeft <= 0) sellerLeft = sellers[++j]?.quantity ?? 0;
  }
  if (lastBuy === undefined || lastSell === undefined) {
    const bid = buyers[0]?.price;
    const ask = sellers[0]?.price;
    throw new NegotiationError({
      code: 'NEGOTIATION_INFEASIBLE',
      reason: 'no_clearing_price',
      variableId: request.variableId,
      message: `no clearing price for ${describeValue(request.variableId)}: ${
        bid === undefined || ask === undefined
          ? `the market needs buyers and sellers (${buyers.length} buying, ${sellers.length} selling)`
          : `the highest buy price ${bid} is below the lowest sell price ${ask}`
      }`,
    });
  }
  const price = cleanFloat(lastSell.price + k * (lastBuy.price - lastSell.price));
  return {
    value: price,
    price,
    rounds: 1,
    rationale: `double auction: ${cleanFloat(traded)} units trade at ${price}, between the last matched sell price ${lastSell.price} and buy price ${lastBuy.price}`,
  };
}
