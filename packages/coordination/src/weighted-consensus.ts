import type { NegotiationStrategy, Preference } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { NegotiationError } from './errors';
import { admissible } from './internal/bids';
import { parseOrThrow } from './internal/parse';
import { checkNegotiation } from './internal/strategy-input';
import { cleanFloat, valueKey } from './internal/values';

/** Options of {@link createWeightedConsensus}. */
export interface WeightedConsensusOptions {
  /** The name it registers under (default `weighted_consensus`). */
  name?: string;
}

const optionsSchema = z.strictObject({ name: z.string().min(1).optional() });

/**
 * Weighted consensus (`weighted_consensus`): when every preferred value is a number, the weighted
 * mean; otherwise a weighted plurality, where each distinct value collects the weight of the agents
 * that want it and the heaviest wins (equal weights go to the value that sorts first). Values
 * outside `constraints.allowed` take no part.
 *
 * @example
 * await negotiateValue('temperature', [
 *   { agent: 'coder', value: 0.1, weight: 0.4 },
 *   { agent: 'creative', value: 1.2, weight: 0.3 },
 *   { agent: 'reviewer', value: 0.3, weight: 0.3 },
 * ], { strategy: 'weighted_consensus', constraints: { min: 0, max: 2 } }); // value 0.49
 */
export function createWeightedConsensus(
  options: WeightedConsensusOptions = {},
): NegotiationStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createWeightedConsensus',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  return {
    kind: 'negotiation',
    name: opts.name ?? 'weighted_consensus',
    specificationVersion: 'v1',
    description: 'Weighted mean of numeric preferences; weighted plurality of other values.',
    negotiate(request, context) {
      checkNegotiation('weighted_consensus.negotiate', request, context);
      const preferences = admissible(request);
      let numeric = true;
      let sum = 0;
      let total = 0;
      for (const p of preferences) {
        if (typeof p.value !== 'number') {
          numeric = false;
          break;
        }
        sum += p.value * p.weight;
        total += p.weight;
      }
      if (!numeric) return plurality(request.variableId, preferences);
      if (!(total > 0)) return weightless(request.variableId);
      return {
        value: cleanFloat(sum / total),
        rounds: 1,
        rationale: `weighted mean of ${preferences.length} preferences (total weight ${cleanFloat(total)})`,
      };
    },
  };
}

function weightless(variableId: string): never {
  throw new NegotiationError({
    code: 'NEGOTIATION_INFEASIBLE',
    reason: 'no_admissible_preference',
    variableId,
    message: `the admissible preferences for ${describeValue(variableId)} carry no weight`,
  });
}

function plurality(variableId: string, preferences: readonly Preference[]) {
  const tally = new Map<string, { value: unknown; weight: number }>();
  for (const p of preferences) {
    const key = valueKey(p.value);
    const entry = tally.get(key);
    if (entry === undefined) tally.set(key, { value: p.value, weight: p.weight });
    else entry.weight += p.weight;
  }
  let bestKey: string | undefined;
  let best: { value: unknown; weight: number } | undefined;
  for (const [key, entry] of tally) {
    const heavier =
      best === undefined ||
      entry.weight > best.weight ||
      (entry.weight === best.weight && key < (bestKey as string));
    if (heavier) {
      best = entry;
      bestKey = key;
    }
  }
  if (best === undefined || !(best.weight > 0)) return weightless(variableId);
  return {
    value: best.value,
    rounds: 1,
    rationale: `weighted plurality: ${describeValue(best.value)} has weight ${cleanFloat(best.weight)} of ${tally.size} candidates`,
  };
}
