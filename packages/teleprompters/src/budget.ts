import { z } from 'zod';

/**
 * What an optimization may spend. Every limit is a hard ceiling: a team run starts only when the
 * budget can cover it, so the totals never pass these values. Token and cost limits hold as long
 * as the runner keeps each run within the `limits` it is given (the runtime enforces them).
 */
export interface Budget {
  /** Team runs scored by the metric. */
  readonly maxMetricCalls?: number;
  /** LM tokens, team runs and the optimizer's own LM calls together. */
  readonly maxTokens?: number;
  /** Money, in the LM adapters' unit. */
  readonly maxCost?: number;
  /**
   * The most one run may spend in tokens. With a token budget and no per-run limit, each run may
   * take all that is left, so runs go one at a time; set this to keep `concurrency`.
   */
  readonly maxTokensPerRun?: number;
  /** Like `maxTokensPerRun`, for cost. */
  readonly maxCostPerRun?: number;
}

/** What has been spent so far. */
export interface BudgetUsage {
  readonly metricCalls: number;
  readonly tokens: number;
  readonly cost: number;
  /** Calls the optimizer itself made to an LM (rules, instruction proposals). */
  readonly lmCalls: number;
}

const positive = z.number().positive();

/** Validates a {@link Budget}. */
export const budgetSchema = z.strictObject({
  maxMetricCalls: z.int().positive().optional(),
  maxTokens: positive.optional(),
  maxCost: positive.optional(),
  maxTokensPerRun: positive.optional(),
  maxCostPerRun: positive.optional(),
});
