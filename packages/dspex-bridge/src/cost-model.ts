import { type LanguageModelUsage, languageModelUsageSchema } from '@varplane/core';
import { idRecord } from '@varplane/core/internal';
import { z } from 'zod';
import { parseOptions } from './internal/parse-options';

/** What a model charges, in the caller's currency unit per `per` tokens (default a million). */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
}

/** Prices per model id; adapters use it to put a cost on every usage they report. */
export interface CostModel {
  /** The price of a model: its exact id, else the longest `prefix*` key that matches, else none. */
  price(modelId: string): ModelPrice | undefined;
  /** The cost of one call, or undefined when the model has no price. */
  cost(
    modelId: string,
    usage: Pick<LanguageModelUsage, 'inputTokens' | 'outputTokens'>,
  ): number | undefined;
  /** The usage with its cost filled in, when the model has a price. */
  withCost(modelId: string, usage: LanguageModelUsage): LanguageModelUsage;
}

const priceSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
});

const tokensSchema = languageModelUsageSchema.pick({ inputTokens: true, outputTokens: true });

const optionsSchema = z.strictObject({
  prices: idRecord(priceSchema, { key: z.string().min(1) }),
  per: z.number().positive().optional(),
});

/** Options of {@link createCostModel}. */
export interface CostModelOptions {
  /** Keyed by model id; a key ending in `*` prices every id it prefixes. */
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** Tokens the prices are quoted for (default 1,000,000). */
  readonly per?: number;
}

/**
 * A cost model: prices per model id, quoted per million tokens unless `per` says otherwise.
 *
 * @example
 * const costs = createCostModel({
 *   prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 }, 'llama3*': { input: 0, output: 0 } },
 * });
 * costs.cost('gpt-4o-mini', { inputTokens: 1000, outputTokens: 500 }); // 0.00045
 */
export function createCostModel(options: CostModelOptions): CostModel {
  const parsed = parseOptions(optionsSchema, options, 'createCostModel');
  const per = parsed.per ?? 1_000_000;
  const exact = new Map<string, ModelPrice>();
  const prefixes: [string, ModelPrice][] = [];
  for (const [key, price] of Object.entries(parsed.prices)) {
    const frozen = Object.freeze({ ...price });
    if (key.endsWith('*')) prefixes.push([key.slice(0, -1), frozen]);
    else exact.set(key, frozen);
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);

  const lookup = (modelId: string): ModelPrice | undefined =>
    exact.get(modelId) ?? prefixes.find(([prefix]) => modelId.startsWith(prefix))?.[1];
  const costOf = (
    modelId: string,
    usage: Pick<LanguageModelUsage, 'inputTokens' | 'outputTokens'>,
  ) => {
    const found = lookup(modelId);
    if (found === undefined) return undefined;
    return (usage.inputTokens * found.input + usage.outputTokens * found.output) / per;
  };
  const id = (subject: string, modelId: unknown) =>
    parseOptions(z.string(), modelId, subject, 'INVALID_ARGUMENT', 'modelId');
  return Object.freeze({
    price: (modelId: string) => lookup(id('costModel.price', modelId)),
    cost(modelId: string, usage: Pick<LanguageModelUsage, 'inputTokens' | 'outputTokens'>) {
      const subject = 'costModel.cost';
      return costOf(
        id(subject, modelId),
        parseOptions(tokensSchema, usage, subject, 'INVALID_ARGUMENT', 'usage'),
      );
    },
    withCost(modelId: string, usage: LanguageModelUsage): LanguageModelUsage {
      const subject = 'costModel.withCost';
      const checked = parseOptions(
        languageModelUsageSchema,
        usage,
        subject,
        'INVALID_ARGUMENT',
        'usage',
      );
      const value = costOf(id(subject, modelId), checked);
      return value === undefined ? usage : { ...checked, cost: value };
    },
  });
}
