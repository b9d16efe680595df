import type { NegotiationStrategy, Preference, ValueConstraints } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import {
  type OperationOptions,
  operationOptionsShape,
  runOptions,
} from './internal/operation-options';
import { checkOrThrow, invalid, parseOrThrow } from './internal/parse';
import {
  arePreferences,
  isPreference,
  preferenceSchema,
  preferencesSchema,
} from './internal/preference';

export { isPreference, preferenceSchema };

import { assertFeasible, constrainValue } from './internal/constraints';
import { resolveStrategy } from './internal/resolve-strategy';
import { checkResult, invalidResult, runStrategy } from './internal/run-strategy';
import { valueConstraintsSchema } from './value-constraints';

/** Options of {@link negotiateValue}. */
export interface NegotiateOptions extends OperationOptions {
  /** A registered negotiation strategy's name, or the strategy itself (default `weighted_consensus`). */
  strategy?: string | NegotiationStrategy;
  /** Bounds the result always satisfies. */
  constraints?: ValueConstraints;
}

/** What a negotiation over values of type `T` agreed on. */
export interface NegotiationOutcome<T = unknown> {
  variableId: string;
  /** The agreed value; it satisfies the constraints. */
  value: T;
  /** The value the strategy proposed, before the constraints moved it (often the same). */
  proposedValue: T;
  /** The strategy's name. */
  strategy: string;
  /** The agent whose preference won, for strategies with a winner (auctions, hierarchy). */
  winner?: string;
  /** The price paid, for auctions and markets. */
  price?: number;
  rounds?: number;
  rationale: string;
}

const optionsSchema = z.strictObject({
  ...operationOptionsShape,
  strategy: z
    .union([
      z.string().min(1),
      z.custom<NegotiationStrategy>(
        (s) => typeof s === 'object' && s !== null,
        'must be a strategy',
      ),
    ])
    .optional(),
  constraints: z.unknown().optional(),
});

const resultSchema = z.object({
  value: z.unknown().refine((v) => v !== undefined, 'is required'),
  winner: z.string().optional(),
  price: z.number().optional(),
  rounds: z.number().int().nonnegative().optional(),
  rationale: z.string(),
});

const variableIdSchema = z.string().min(1, 'must not be empty');

const SUBJECT = 'negotiateValue';

/** The kind of a value, as far as a strategy's result must match the preferences. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function inputCode(_issue: unknown, segments: readonly PropertyKey[]): string {
  if (segments.length === 0) return 'NEGOTIATION_EMPTY_PREFERENCES';
  if (segments[1] === 'weight') return 'NEGOTIATION_INVALID_WEIGHT';
  if (segments[1] === 'value') return 'NEGOTIATION_INVALID_VALUE';
  return 'INVALID_ARGUMENT';
}

/**
 * Negotiates one variable's value among agents with the named (or given) negotiation strategy.
 * Preferences are `{ agent, value, weight }` (plus `utility`, `budget` or `side` for strategies
 * that read them); an agent may hold several (several bids, several market orders). The result always satisfies `options.constraints`: a number the strategy
 * proposes is clamped, snapped to the step and cleaned of float noise. The strategy runs contained
 * (a throw is `STRATEGY_FAILED`, a hang past `timeoutMs` is `STRATEGY_TIMEOUT`).
 *
 * Errors: `NEGOTIATION_EMPTY_PREFERENCES`, `NEGOTIATION_INVALID_WEIGHT` (negative or NaN),
 * `NEGOTIATION_ZERO_WEIGHT`, `NEGOTIATION_INVALID_VALUE` (NaN),
 * `STRATEGY_NOT_FOUND` (listing the registered names), `NEGOTIATION_INFEASIBLE` (with a reason),
 * `INVALID_ARGUMENT`, and `STRATEGY_INVALID_RESULT` when the strategy's value is of a kind (number,
 * string, boolean, array, object, null) no preference has: the outcome's `value` is typed as the
 * preferences' values are, and this is what makes that type true.
 *
 * @example
 * const { value } = await negotiateValue(
 *   'temperature',
 *   [
 *     { agent: 'coder', value: 0.1, weight: 0.4 },
 *     { agent: 'creative', value: 1.2, weight: 0.3 },
 *     { agent: 'reviewer', value: 0.3, weight: 0.3 },
 *   ],
 *   { strategy: 'weighted_consensus', constraints: { min: 0, max: 2 } },
 * ); // 0.49
 */
export async function negotiateValue<T = unknown>(
  variableId: string,
  preferences: readonly Preference<T>[],
  options: NegotiateOptions = {},
): Promise<NegotiationOutcome<T>> {
  parseOrThrow(variableIdSchema, variableId, {
    subject: SUBJECT,
    code: 'INVALID_ARGUMENT',
    prefix: 'variableId',
  });
  checkOrThrow<readonly Preference[]>(preferences, arePreferences, preferencesSchema, {
    subject: SUBJECT,
    code: inputCode,
    prefix: 'preferences',
  });
  const opts = parseOrThrow(optionsSchema, options, {
    subject: SUBJECT,
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  }) as NegotiateOptions;
  const constraints = parseOrThrow(valueConstraintsSchema, options.constraints ?? {}, {
    subject: SUBJECT,
    code: 'INVALID_ARGUMENT',
    prefix: 'options.constraints',
  }) as ValueConstraints;

  // One pass; an agent may hold several preferences (several bids, several market orders).
  let total = 0;
  for (let i = 0; i < preferences.length; i++) total += (preferences[i] as Preference).weight;
  if (!(total > 0)) {
    invalid(SUBJECT, 'NEGOTIATION_ZERO_WEIGHT', 'preferences', 'weights must sum above 0', total);
  }
  assertFeasible(constraints, variableId);

  const strategy = resolveStrategy(
    'negotiation',
    opts.strategy ?? 'weighted_consensus',
    opts.registry,
  );
  const request = { variableId, preferences, constraints };
  const raw = await runStrategy(
    strategy,
    (context) => strategy.negotiate(request, context),
    runOptions(opts),
  );
  const result = checkResult(strategy, resultSchema, raw);
  const winner = result.winner;
  if (winner !== undefined && !preferences.some((p) => p.agent === winner)) {
    throw invalidResult(strategy, `winner ${describeValue(result.winner)} has no preference`);
  }
  const kinds = new Set(preferences.map((p) => kindOf(p.value)));
  const kind = kindOf(result.value);
  if (!kinds.has(kind)) {
    throw invalidResult(
      strategy,
      `value ${describeValue(result.value)} is a ${kind}, but the preferences hold ${[...kinds].join(' or ')} values`,
    );
  }
  const value = constrainValue(result.value, constraints, variableId) as T;
  return {
    variableId,
    value,
    proposedValue: result.value as T,
    strategy: strategy.name,
    ...(result.winner === undefined ? {} : { winner: result.winner }),
    ...(result.price === undefined ? {} : { price: result.price }),
    ...(result.rounds === undefined ? {} : { rounds: result.rounds }),
    rationale: result.rationale,
  };
}
