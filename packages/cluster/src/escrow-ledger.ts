import { type ResourcePool, unlimitedResourcePool } from '@varplane/core';
import { BudgetExhaustedError, createResourceLedger, type ResourceLedger } from '@varplane/runtime';
import { z } from 'zod';
import type { Amounts, BudgetBook } from './budget-book';
import { ClusterError } from './errors';
import { parseArgument } from './internal/parse';

export interface EscrowLedgerOptions {
  /** The team whose budget this is: one book entry per team. */
  readonly team: string;
  /** This node: its slices are booked under its name. */
  readonly node: string;
  readonly book: BudgetBook;
  /** The team's total, set once for the whole cluster (the first node to fund it wins). */
  readonly total?: Amounts;
  /**
   * How much this node takes in escrow at a time. Larger slices mean fewer round trips to the
   * book and more budget idle on one node. Default: a tenth of the total, once known.
   */
  readonly slice?: Partial<Amounts>;
  /** This node's own memory, cpu and concurrency (not shared): unlimited where left out. */
  readonly resources?: Partial<
    Pick<
      ResourcePool,
      'totalMemory' | 'availableMemory' | 'totalCpu' | 'availableCpu' | 'concurrency'
    >
  >;
}

/**
 * A node's resource books for `createActorSystem({ ledger })`: memory, cpu and concurrency are
 * this node's own; tokens and cost come out of slices of the team's budget that this node holds
 * in escrow, granted by the book (consensus), so answers are local and synchronous while the
 * whole cluster never spends more than the total. The node tops its slice up in the background
 * when half of it is gone; a spend larger than what it holds is refused with `BUDGET_EXHAUSTED`
 * (and a top-up starts), even if other nodes still hold budget: `refill()` waits for the top-up.
 */
export interface EscrowLedger extends ResourceLedger {
  /** What this node holds in escrow now, and what it has spent of its slices in all. */
  escrow(): { held: Amounts; spent: Amounts };
  /** Tops this node's slice up now; resolves with what it holds after. */
  refill(): Promise<Amounts>;
  /** Gives back what this node holds and has not spent; later spends are refused. */
  close(): Promise<void>;
}

const amount = z.number().min(0).max(Number.MAX_SAFE_INTEGER);
const optionsSchema = z.object({
  team: z.string().min(1),
  node: z.string().min(1),
  book: z
    .object({
      fund: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function'),
      acquire: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function'),
      giveBack: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function'),
      state: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function'),
    })
    .passthrough(),
  total: z.object({ tokens: amount, cost: amount }).optional(),
  slice: z.object({ tokens: amount.positive(), cost: amount.positive() }).partial().optional(),
  resources: z
    .object({
      totalMemory: amount,
      availableMemory: amount,
      totalCpu: amount,
      availableCpu: amount,
      concurrency: amount,
    })
    .partial()
    .strict()
    .optional(),
});

/**
 * Funds the team's budget (when `total` is given), takes this node's first slice and returns the
 * ledger.
 *
 * @example
 * const ledger = await createEscrowLedger({ team: 'team', node: 'n1', book, total: { tokens: 1e6, cost: 20 } });
 * const system = createActorSystem({ node: 'n1', ledger, transport });
 */
export async function createEscrowLedger(options: EscrowLedgerOptions): Promise<EscrowLedger> {
  const parsed = parseArgument(optionsSchema, options, 'createEscrowLedger');
  const { team, node } = parsed;
  const book = options.book;
  const total =
    parsed.total === undefined ? book.state(team).total : await book.fund(team, parsed.total);
  if (total === undefined) {
    throw new ClusterError({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: `createEscrowLedger: team "${team}" has no budget yet; give total`,
    });
  }
  const slice: Amounts = {
    tokens: parsed.slice?.tokens ?? Math.max(1, total.tokens / 10),
    cost: parsed.slice?.cost ?? Math.max(Number.EPSILON, total.cost / 10),
  };
  const unlimited = unlimitedResourcePool();
  // Per-agent limits and the node's own resources; tokens and cost are bounded by the escrow.
  const own: Partial<ResourcePool> = { tokens: unlimited.tokens, cost: unlimited.cost };
  for (const [key, value] of Object.entries(parsed.resources ?? {})) {
    if (value !== undefined) own[key as keyof ResourcePool] = value;
  }
  const local = createResourceLedger(own);
  let held: Amounts = { tokens: 0, cost: 0 };
  let spent: Amounts = { tokens: 0, cost: 0 };
  let closed = false;
  let topping: Promise<Amounts> | undefined;

  const refill = (): Promise<Amounts> => {
    if (closed) return Promise.resolve(held);
    topping ??= (async () => {
      try {
        const want = {
          tokens: Math.max(0, slice.tokens - held.tokens),
          cost: Math.max(0, slice.cost - held.cost),
        };
        if (want.tokens > 0 || want.cost > 0) {
          const granted = await book.acquire(team, node, want);
          held = { tokens: held.tokens + granted.tokens, cost: held.cost + granted.cost };
        }
        return held;
      } finally {
        topping = undefined;
      }
    })();
    return topping;
  };

  const topUpIfLow = () => {
    if (held.tokens < slice.tokens / 2 || held.cost < slice.cost / 2) {
      refill().catch(() => undefined);
    }
  };

  await refill();

  return {
    reserve: (holder, needs) => local.reserve(holder, needs),
    release: (holder) => local.release(holder),
    setLimits: (holder, limits) => local.setLimits(holder, limits),
    spend(holder, usage) {
      const tokens = typeof usage?.tokens === 'number' ? usage.tokens : 0;
      const cost = typeof usage?.cost === 'number' ? usage.cost : 0;
      if (closed) throw new BudgetExhaustedError(holder, 'tokens', tokens, 0);
      if (tokens > held.tokens) {
        topUpIfLow();
        throw new BudgetExhaustedError(holder, 'tokens', tokens, held.tokens);
      }
      if (cost > held.cost) {
        topUpIfLow();
        throw new BudgetExhaustedError(holder, 'cost', cost, held.cost);
      }
      // The agent's own limits (and the validation of `usage`) are the local ledger's.
      local.spend(holder, usage);
      held = { tokens: held.tokens - tokens, cost: held.cost - cost };
      spent = { tokens: spent.tokens + tokens, cost: spent.cost + cost };
      topUpIfLow();
    },
    holding: (holder) => local.holding(holder),
    pool: () => ({ ...local.pool(), tokens: held.tokens, cost: held.cost }),
    escrow: () => ({ held, spent }),
    refill,
    async close() {
      if (closed) return;
      closed = true;
      await topping?.catch(() => undefined);
      const back = held;
      held = { tokens: 0, cost: 0 };
      if (back.tokens > 0 || back.cost > 0) await book.giveBack(team, node, back);
    },
  };
}
